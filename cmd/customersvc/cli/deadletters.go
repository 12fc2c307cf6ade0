package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	transporthttp "github.com/customersvc/customersvc/transport/http"
)

// DeadLetters is `customersvc deadletters list|replay <sequence>|replay --all`:
// it asks the running service's admin API (ADMIN_ADDR) for the parked
// events, or to publish them again once the cause is fixed.
func DeadLetters(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	usage := errors.New("usage: customersvc deadletters list|replay <sequence>|replay --all")
	fs, admin := adminFlagSet("customersvc deadletters", getenv)
	all := fs.Bool("all", false, "with replay: replay every parked event")
	asJSON := fs.Bool("json", false, "print JSON")
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
		var data transporthttp.DeadLettersData
		raw, err := admin.call(ctx, "GET", base, &data)
		if err != nil {
			return err
		}
		if *asJSON {
			_, err = fmt.Fprintf(out, "%s\n", raw)
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQUENCE\tEVENT ID\tTYPE\tPROJECTION\tPARKED AT\tREASON")
		for _, p := range data.Parked {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.Sequence, p.EventID, p.Type, p.Projection, p.ParkedAt, p.Reason)
		}
		return tw.Flush()
	case verb == "replay" && *all:
		return replay(ctx, admin, base+"/replay", out)
	case verb == "replay" && fs.NArg() == 1:
		return replay(ctx, admin, base+"/"+fs.Arg(0)+"/replay", out)
	}
	return usage
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
