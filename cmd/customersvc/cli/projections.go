package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	transporthttp "github.com/customersvc/customersvc/transport/http"
)

// Projections is `customersvc projections list|rebuild <name>`. It
// talks to the running service's admin API (ADMIN_ADDR): list prints each
// projection's checkpoint, the head of the log and the lag; rebuild builds
// a fresh copy from the start of the log while the service keeps serving,
// then switches over. On a terminal rebuild draws a progress bar, else it
// prints a line per report. Interrupting it (Ctrl-C) stops the rebuild;
// running it again resumes where it stopped.
func Projections(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs, admin := adminFlagSet("customersvc projections", getenv)
	usage := errors.New("usage: customersvc projections list | rebuild <name>")
	if len(args) == 0 {
		return usage
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	const base = "/admin/projections"
	switch {
	case verb == "list":
		var body transporthttp.ProjectionsData
		if _, err := admin.call(ctx, "GET", base, &body); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROJECTION\tCHECKPOINT\tLOG HEAD\tLAG")
		for _, p := range body.Projections {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", p.Name, p.Checkpoint, p.Head, p.Lag)
		}
		return tw.Flush()
	case verb == "rebuild" && fs.NArg() == 1:
		return streamRebuild(ctx, admin, base+"/"+fs.Arg(0)+"/rebuild", out, isTerminal(out))
	}
	return usage
}

func streamRebuild(ctx context.Context, admin *adminClient, path string, out io.Writer, terminal bool) error {
	req, err := admin.request(ctx, "POST", path)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("admin API (is the service running with ADMIN_ADDR?): %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(res.Body)
		return adminError(res, raw)
	}
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		var line transporthttp.RebuildLine
		if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
			return fmt.Errorf("admin API: %w", err)
		}
		switch {
		case line.Error != "":
			return fmt.Errorf("rebuild: %s (run it again to resume)", line.Error)
		case line.Finished:
			if terminal {
				fmt.Fprintln(out)
			}
			fmt.Fprintln(out, "rebuild finished; the rebuilt read model is live")
			return nil
		default:
			printProgress(out, line, terminal)
		}
	}
	if err := lines.Err(); err != nil && ctx.Err() == nil {
		return err
	}
	return errors.New("rebuild interrupted; run it again to resume")
}

func printProgress(out io.Writer, p transporthttp.RebuildLine, terminal bool) {
	eta := time.Duration(p.ETASeconds * float64(time.Second))
	if !terminal {
		fmt.Fprintf(out, "%s rebuild: position %d of %d, %d events, %.0f events/s, %s left\n",
			time.Now().UTC().Format(time.RFC3339), p.Done, p.Total, p.Events, p.EventsPerSec, eta)
		return
	}
	const width = 30
	frac := 1.0
	if p.Total > 0 {
		frac = min(float64(p.Done)/float64(p.Total), 1)
	}
	filled := int(frac * width)
	fmt.Fprintf(out, "\r[%s%s] %3.0f%%  %d/%d  %.0f events/s  ETA %s   ",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, p.Done, p.Total, p.EventsPerSec, eta)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
