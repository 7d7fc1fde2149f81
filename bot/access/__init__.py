"""Who may do what: the access policy, stored roles, the audit log and their commands."""
