"""The KMS console: keys, aliases, states, rotation, key policies, audit log and cost."""
