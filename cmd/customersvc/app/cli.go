package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// DeadLettersCommand is `customersvc deadletters list|replay <sequence>|replay --all`:
// it asks the running service's admin API (ADMIN_ADDR) for the parked
// events, or to publish them again once the cause is fixed.
func DeadLettersCommand(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs, admin := adminFlagSet("customersvc deadletters", getenv)
	all := fs.Bool("all", false, "with replay: replay every parked event")
	asJSON := fs.Bool("json", false, "print JSON")
	if len(args) == 0 {
		return errors.New("usage: customersvc deadletters list|replay <sequence>|replay --all")
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	base := "http://" + *admin + "/admin/deadletters"
	switch {
	case verb == "list":
		var body struct {
			Parked []struct {
				Sequence                                    uint64
				EventID, Type, Projection, Reason, ParkedAt string
			} `json:"parked"`
		}
		raw, err := adminCall(ctx, "GET", base, &body)
		if err != nil {
			return err
		}
		if *asJSON {
			_, err = out.Write(raw)
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQUENCE\tEVENT ID\tTYPE\tPROJECTION\tPARKED AT\tREASON")
		for _, p := range body.Parked {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.Sequence, p.EventID, p.Type, p.Projection, p.ParkedAt, p.Reason)
		}
		return tw.Flush()
	case verb == "replay" && *all:
		raw, err := adminCall(ctx, "POST", base+"/replay", nil)
		if err == nil {
			_, err = out.Write(raw)
		}
		return err
	case verb == "replay" && fs.NArg() == 1:
		raw, err := adminCall(ctx, "POST", base+"/"+fs.Arg(0)+"/replay", nil)
		if err == nil {
			_, err = out.Write(raw)
		}
		return err
	}
	return errors.New("usage: customersvc deadletters list|replay <sequence>|replay --all")
}

// adminFlagSet is the flag set of a CLI command that talks to the admin API,
// with its --admin-addr flag (default ADMIN_ADDR, else the service's default).
func adminFlagSet(name string, getenv func(string) string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	admin := fs.String("admin-addr", orDefault(getenv("ADMIN_ADDR"), DefaultConfig().AdminAddr), "the service's admin address")
	return fs, admin
}

// adminCall sends one request to the admin API and decodes the answer.
func adminCall(ctx context.Context, method, url string, into any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API (is the service running with ADMIN_ADDR?): %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("admin API: %s: %s", res.Status, strings.TrimSpace(string(raw)))
	}
	if into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			return nil, err
		}
	}
	return raw, nil
}
