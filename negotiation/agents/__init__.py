from negotiation.agents.organisation import OrganisationAgent

__all__ = ["OrganisationAgent"]
