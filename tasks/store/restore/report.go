package restore

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/resilientpay/paymentapi/tasks/store"
)

// WriteText writes the report for an operator: counts per kind, the
// copy's consistency, every difference, and what to do with each kind of
// difference. It names keys, kinds, payment ids, attribute names and
// times; never an attribute's value.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Restored copy %s of %s, restore point %s\n\n", r.Copy, r.Source, r.At.Format(time.RFC3339))
	fmt.Fprintf(&b, "  %-20s %10s %10s\n", "items", "source", "copy")
	for _, k := range []string{store.KindPayment, store.KindIdempotency, store.KindParked, store.KindOther} {
		if k == store.KindOther && r.SourceCounts[k] == 0 && r.CopyCounts[k] == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %-20s %10d %10d\n", k, r.SourceCounts[k], r.CopyCounts[k])
	}

	if r.Consistent() {
		fmt.Fprintf(&b, "\nConsistency of the copy: OK (every payment and idempotency record point at each other; %d payments' records were past their TTL)\n",
			r.PaymentsPastRecordTTL)
	} else {
		fmt.Fprintf(&b, "\nConsistency of the copy: %d PROBLEMS — do not switch to this copy before they are understood\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s %s payment=%s: %s\n", p.Kind, p.Key, p.PaymentID, p.Issue)
		}
	}

	n := map[Change]int{}
	for _, d := range r.Differences {
		n[d.Change]++
	}
	fmt.Fprintf(&b, "\nDifferences: %d (the source has and the copy lacks: %d; changed: %d; only in the copy: %d)\n",
		len(r.Differences), n[MissingInCopy], n[Changed], n[OnlyInCopy])
	for _, d := range r.Differences {
		fmt.Fprintf(&b, "  %-15s %-18s %s", d.Change, d.Kind, d.Key)
		if d.PaymentID != "" {
			fmt.Fprintf(&b, " payment=%s", d.PaymentID)
		}
		if len(d.Fields) > 0 {
			fmt.Fprintf(&b, " fields=%s", strings.Join(d.Fields, ","))
		}
		if d.WrittenAt != "" {
			fmt.Fprintf(&b, " written=%s", d.WrittenAt)
		}
		switch {
		case d.Expired:
			b.WriteString(" (expired record: ignore)")
		case d.Change != OnlyInCopy && !d.AfterRestorePoint:
			b.WriteString(" (written before the restore point: look closer)")
		}
		b.WriteString("\n")
	}
	if n[MissingInCopy]+n[Changed] > 0 {
		b.WriteString("\nThe source's items above are not in the copy as they are now: reconcile them before the switch\n" +
			"(docs/runbook.md, \"Restore\": step 3, -copy-missing, and \"Reconciling queued and parked payments\"). Keep this report.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
