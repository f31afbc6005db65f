"""What people edit (config.toml, rules/) -> validated frozen objects."""
