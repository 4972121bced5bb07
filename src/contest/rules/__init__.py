"""Pure rules: plain values in, plain values out, `now` a parameter. No AWS library, no network, no environment,
no store (import-linter, pyproject.toml)."""
