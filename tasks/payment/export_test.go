package payment

// IsDefaultIgnorable exposes isDefaultIgnorable to the external tests.
var IsDefaultIgnorable = isDefaultIgnorable
