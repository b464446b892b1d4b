"""Journal use cases: post and reverse entries, read balances. Services never commit."""

from carecover.accounting.service.posting import LineIn, post, reverse
from carecover.accounting.service.reports import TrialBalanceRow, balance, trial_balance

__all__ = ["LineIn", "TrialBalanceRow", "balance", "post", "reverse", "trial_balance"]
