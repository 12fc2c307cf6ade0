package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	transporthttp "github.com/customersvc/customersvc/transport/http"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// DeadLetters is `customersvc deadletters list|replay <sequence>|replay --all`:
// it asks the running service's admin API (ADMIN_ADDR) for the parked
// events, or to publish them again once the cause is fixed. list walks the
// dead letters a page at a time (--limit per request, from after --after),
// holding one page at once; with --json it prints each page's data on a
// line of its own.
func DeadLetters(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	usage := errors.New("usage: customersvc deadletters list [--limit n] [--after sequence] [--json]|replay <sequence>|replay --all")
	fs, admin := adminFlagSet("customersvc deadletters", getenv)
	all := fs.Bool("all", false, "with replay: replay every parked event")
	asJSON := fs.Bool("json", false, "print JSON, a line per page")
	limit := fs.Int("limit", natsx.DefaultDeadLetterPage, fmt.Sprintf("with list: dead letters per request (1 to %d)", natsx.MaxDeadLetterPage))
	after := fs.Uint64("after", 0, "with list: start after this sequence")
	if len(args) == 0 {
		return usage
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	const base = "/admin/deadletters"
	switch {
	case verb == "list":
		if *limit < 1 || *limit > natsx.MaxDeadLetterPage {
			return fmt.Errorf("--limit must be 1 to %d", natsx.MaxDeadLetterPage)
		}
		return listDeadLetters(ctx, admin, base, *after, *limit, *asJSON, out)
	case verb == "replay" && *all:
		return replay(ctx, admin, base+"/replay", out)
	case verb == "replay" && fs.NArg() == 1:
		return replay(ctx, admin, base+"/"+fs.Arg(0)+"/replay", out)
	}
	return usage
}

// listDeadLetters prints the dead letters after after, following the
// admin API's next from page to page until the last one.
func listDeadLetters(ctx context.Context, admin *adminClient, base string, after uint64, limit int, asJSON bool, out io.Writer) error {
	for first := true; ; first = false {
		var data transporthttp.DeadLettersData
		raw, err := admin.call(ctx, "GET", fmt.Sprintf("%s?after=%d&limit=%d", base, after, limit), &data)
		if err != nil {
			return err
		}
		if asJSON {
			if _, err := fmt.Fprintf(out, "%s\n", raw); err != nil {
				return err
			}
		} else {
			// Columns are aligned within a page: the whole list is never
			// held at once.
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if first {
				fmt.Fprintln(tw, "SEQUENCE\tEVENT ID\tTYPE\tPROJECTION\tPARKED AT\tREASON")
			}
			for _, p := range data.Parked {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.Sequence, p.EventID, p.Type, p.Projection, p.ParkedAt, p.Reason)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if data.Next == nil {
			return nil
		}
		if *data.Next <= after {
			return fmt.Errorf("admin API: next %d does not advance past %d", *data.Next, after)
		}
		after = *data.Next
	}
}

// replay prints the sequences replayed, as JSON: {"replayed":[...]}.
func replay(ctx context.Context, admin *adminClient, path string, out io.Writer) error {
	var data transporthttp.ReplayedData
	raw, err := admin.call(ctx, "POST", path, &data)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", raw)
	return err
}
