check fixtures/no_claims.md
