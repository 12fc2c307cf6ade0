package esdbtest

import (
	"regexp"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// defaultWindow is the server's read batch size, the search window of a
// filter that asks for none.
const defaultWindow = 32

// eventFilter is a subscription's server-side filter on stream names or
// event types: a regular expression if given, else prefixes.
type eventFilter struct {
	onType             bool
	prefixes           []string
	regex              *regexp.Regexp
	checkpointInterval int // filtered-out records between checkpoints
}

// newEventFilter returns nil for no filter.
func newEventFilter(o *streams.ReadReq_Options_FilterOptions) (*eventFilter, error) {
	if o == nil {
		return nil, nil
	}
	f := &eventFilter{}
	expr := o.GetStreamIdentifier()
	if expr == nil {
		expr, f.onType = o.GetEventType(), true
	}
	if expr == nil {
		return nil, status.Error(codes.InvalidArgument, "filter on neither stream name nor event type")
	}
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "filter regex: %v", err)
		}
		f.regex = re
	} else {
		f.prefixes = expr.GetPrefix()
	}
	window := defaultWindow
	if o.GetCount() == nil {
		window = int(o.GetMax())
	}
	multiplier := int(o.GetCheckpointIntervalMultiplier())
	if window <= 0 || multiplier <= 0 {
		return nil, status.Error(codes.InvalidArgument, "filter window and checkpoint interval multiplier must be positive")
	}
	f.checkpointInterval = window * multiplier
	return f, nil
}

func (f *eventFilter) allows(r *record) bool {
	s := r.stream
	if f.onType {
		s = r.eventType
	}
	if f.regex != nil {
		return f.regex.MatchString(s)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
