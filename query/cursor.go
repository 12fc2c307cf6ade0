package query

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/customersvc/customersvc/domain"
)

// A cursor is where the next page of a list starts: the last row's sort
// value and ID, bound to the list it was made for (sort, direction, the
// viewer's scope, the search) and signed with HMAC-SHA256, so that a
// client can neither forge one nor carry one to another scope or list.
// It is base64url (no padding) of the JSON payload followed by the
// 32-byte MAC.

// CursorKeySize is the size of a cursor key, and the least a key may be.
const CursorKeySize = 32

// maxCursorLength bounds what is decoded at all: the payload of the
// longest name key (255 runes of up to 4 bytes) with room to spare.
const maxCursorLength = 2048

// cursorVersion is the payload's layout; a cursor of another is invalid.
const cursorVersion = 1

// cursorKeyLabel separates the cursor key from every other use of the
// secret it is derived from.
const cursorKeyLabel = "customersvc list cursor v1"

// DeriveCursorKey derives the cursor key from the service's token secret
// (HKDF-SHA256 with a fixed label): every replica sharing the secret
// accepts the others' cursors and they outlive a restart, while the key
// reveals nothing about the secret and signs nothing a token verifier
// would take.
func DeriveCursorKey(secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		return nil, errors.New("query: empty secret for the cursor key")
	}
	return hkdf.Key(sha256.New, secret, nil, cursorKeyLabel, CursorKeySize)
}

// RandomCursorKey is a key for one process, when there is no secret to
// derive one from: its cursors do not survive a restart and other
// replicas refuse them (400).
func RandomCursorKey() []byte {
	key := make([]byte, CursorKeySize)
	rand.Read(key) // never fails (crypto/rand)
	return key
}

// cursor is the payload. List binds it to its list: a hash of the scope
// and the search, so that neither the viewer's organization nor the
// search is readable in it.
type cursor struct {
	Version int    `json:"v"`
	SortBy  string `json:"s"`
	Desc    bool   `json:"d"`
	List    string `json:"l"`
	Time    int64  `json:"t,omitempty"`
	NameKey string `json:"n,omitempty"`
	ID      string `json:"i"`
	Page    int    `json:"p"` // the page it leads to, for the answer's page number
}

// listBinding names the list a cursor is for: the scope and the search
// (lower case).
func listBinding(scope domain.Scope, search string) string {
	h := sha256.New()
	// Lengths keep the fields apart whatever they hold.
	fmt.Fprintf(h, "%t|%d:%s|%d:%s|%d:%s", scope.All, len(scope.ParentOrganizationID), scope.ParentOrganizationID,
		len(scope.CustomerID), scope.CustomerID, len(search), search)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// cursors seals and opens cursors with one key.
type cursors struct{ key []byte }

func (cs cursors) seal(c cursor) string {
	c.Version = cursorVersion
	payload, _ := json.Marshal(c) // plain strings and numbers: cannot fail
	return base64.RawURLEncoding.EncodeToString(append(payload, cs.mac(payload)...))
}

func (cs cursors) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, cs.key)
	m.Write(payload)
	return m.Sum(nil)
}

// errInvalidCursor is every reason a cursor is refused; the client learns
// only that it is.
var errInvalidCursor = errors.New("invalid cursor")

// open returns the cursor text carries if it is authentic, of this
// version, and made for the list want describes (SortBy, Desc, List).
func (cs cursors) open(text string, want cursor) (cursor, error) {
	if len(text) > maxCursorLength {
		return cursor{}, errInvalidCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(raw) <= sha256.Size {
		return cursor{}, errInvalidCursor
	}
	payload, mac := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(mac, cs.mac(payload)) {
		return cursor{}, errInvalidCursor
	}
	var c cursor
	if err := json.Unmarshal(payload, &c); err != nil || c.Version != cursorVersion || c.ID == "" || c.Page < 2 {
		return cursor{}, errInvalidCursor
	}
	if c.SortBy != want.SortBy || c.Desc != want.Desc || c.List != want.List {
		return cursor{}, errInvalidCursor
	}
	return c, nil
}

// position is where the cursor's page starts.
func (c cursor) position() Position {
	return Position{Time: c.Time, NameKey: c.NameKey, ID: c.ID}
}
