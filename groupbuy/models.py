"""Group-buy (拼团): activities, groups, members (issue 12)."""
