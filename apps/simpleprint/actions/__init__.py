"""Operator actions: clearing beds, pausing, resuming, cancelling and starting prints, approving,
denying, moving, reviving and removing queue items, through SimplyPrint, with their audit trail
(``models.OperatorAction``) and their confirmation by the webhook (or the poll) that shows the
new state."""
