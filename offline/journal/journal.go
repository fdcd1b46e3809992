package journal

// Step is one step of a session's journal.
type Step string

// The steps, in the order a session takes them. Payment is offline's: the money taken,
// noted just before PrintStarted when the resident paid at the kiosk.
const (
	Intent       Step = "intent"
	CardChecked  Step = "card_checked"
	RequestSent  Step = "request_sent"
	Document     Step = "document_received"
	Payment      Step = "payment"
	PrintStarted Step = "print_started"
	Printed      Step = "printed"
	PrintFailed  Step = "print_failed"
	Closed       Step = "closed"
)

// after lists the steps each step may directly follow. Closed is not listed: it follows
// every step but itself.
var after = map[Step][]Step{
	CardChecked:  {Intent},
	RequestSent:  {CardChecked},
	Document:     {RequestSent},
	Payment:      {Document},
	PrintStarted: {Document, Payment},
	Printed:      {PrintStarted},
	PrintFailed:  {PrintStarted},
}

// Follows reports whether next may come directly after cur.
func Follows(cur, next Step) bool {
	if next == Closed {
		return cur != Closed
	}
	for _, a := range after[next] {
		if a == cur {
			return true
		}
	}
	return false
}

// IsOutcome reports whether st is a print outcome (Printed or PrintFailed). Closing a
// session after an outcome voids nothing; closing one that sent a request and has no
// outcome voids it.
func (st Step) IsOutcome() bool { return st == Printed || st == PrintFailed }
