"""Referral and distribution (分销): promoters, bindings, the commission ledger, withdrawals (issue 12)."""
