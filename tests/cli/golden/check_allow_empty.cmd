check fixtures/no_claims.md --allow-empty
