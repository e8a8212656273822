"""The checker (校对): structure, placeholders, confusables, punctuation, facts and delivery.

Its surface: `review.checks` (run_checks, apply_suggestion, rule_names, rule_labels, CheckError)
and `review.model` (Finding, CheckReport). Not re-exported here: checks imports the rule
modules through this package, so importing checks from here would make an import cycle.
"""
