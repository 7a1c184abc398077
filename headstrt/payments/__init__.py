"""Money: a double-entry ledger with escrow per booking, payment providers and payouts."""
