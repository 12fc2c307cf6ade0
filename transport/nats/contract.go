package nats

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
)

// Headers of every event message on NATS: the downstream contract. The
// CloudEvents 1.0 attributes follow its NATS binding; Nats-Msg-Id lets
// JetStream drop a re-published copy; the Watermill UUID header is what
// Watermill's NATS subscriber takes as the message UUID.
const (
	HeaderMsgID          = nats.MsgIdHdr
	HeaderWatermillUUID  = "_watermill_message_uuid"
	HeaderSpecVersion    = "ce-specversion"
	HeaderID             = "ce-id"
	HeaderType           = "ce-type"
	HeaderSource         = "ce-source"
	HeaderSubject        = "ce-subject"
	HeaderTime           = "ce-time"
	HeaderContentType    = "content-type"
	HeaderSchemaVersion  = "ce-schemaversion"
	HeaderStreamRevision = "ce-streamrevision"
	HeaderLogPosition    = "ce-logposition"
	HeaderCorrelationID  = "ce-correlationid"
)

// eventContract is how one event type appears on NATS.
type eventContract struct {
	subjectToken string // last token of the subject
	ceType       string // CloudEvents type
}

var contracts = map[string]eventContract{
	domain.EventTypeCustomerCreated: {subjectToken: "created", ceType: "customersvc.customer.created"},
}

// eventTypeOfCEType maps a CloudEvents type back to the event type.
var eventTypeOfCEType = func() map[string]string {
	m := make(map[string]string, len(contracts))
	for eventType, c := range contracts {
		m[c.ceType] = eventType
	}
	return m
}()

// Subject returns the NATS subject of an event type under prefix.
func Subject(prefix, eventType string) (string, bool) {
	c, ok := contracts[eventType]
	if !ok {
		return "", false
	}
	return prefix + "." + c.subjectToken, true
}

// toMessage turns a stored customer event into its NATS message.
func toMessage(subjectPrefix, source string, r eventstore.RecordedEvent) (*nats.Msg, error) {
	subject, ok := Subject(subjectPrefix, r.Type)
	if !ok {
		return nil, fmt.Errorf("event %s: %w %q", r.ID, domain.ErrUnknownEventType, r.Type)
	}
	customerID, _ := customerstream.CustomerID(r.Stream)
	meta, _ := customerstream.DecodeMetadata(r.Metadata) // what it could read; version 1 at worst
	id := r.ID.String()
	msg := nats.NewMsg(subject)
	msg.Data = r.Data
	h := msg.Header
	h.Set(HeaderMsgID, id)
	h.Set(HeaderWatermillUUID, id)
	h.Set(HeaderSpecVersion, "1.0")
	h.Set(HeaderID, id)
	h.Set(HeaderType, contracts[r.Type].ceType)
	h.Set(HeaderSource, source)
	h.Set(HeaderSubject, customerID)
	h.Set(HeaderTime, r.Created.UTC().Format(time.RFC3339Nano))
	h.Set(HeaderContentType, "application/json")
	h.Set(HeaderSchemaVersion, strconv.Itoa(meta.SchemaVersion))
	h.Set(HeaderStreamRevision, strconv.FormatUint(r.Revision, 10))
	h.Set(HeaderLogPosition, strconv.FormatUint(r.Position.Commit, 10))
	if meta.CorrelationID != "" {
		h.Set(HeaderCorrelationID, meta.CorrelationID)
	}
	return msg, nil
}
