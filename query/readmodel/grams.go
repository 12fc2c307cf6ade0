package readmodel

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// The search index holds, for every customer, the runs of three characters
// of its search text (its trigrams). A search for a string of three
// characters or more can only match a customer holding every trigram of
// that string, so the index narrows a search to a few candidates, which
// the search text then decides exactly.
//
// The index is an FTS4 table (SQLite's full-text search, compiled into
// the driver without build tags) used as a store of posting lists only:
// its documents are the customers' trigrams written as terms, so its own
// tokenizer, which knows nothing of substrings, never sees the text.

// gramTerms returns the distinct index terms of text: one per trigram
// within a field (fields are separated by NUL, and a trigram never spans
// two), sorted. A trigram of ASCII letters and digits is its own term;
// any other is its bytes in hex, which is at least six characters long, so
// the two kinds never meet. Terms are only letters and digits, which the
// FTS tokenizer keeps as they are and its query syntax takes as words.
func gramTerms(text string) []string {
	var terms []string
	for field := range strings.SplitSeq(text, "\x00") {
		// starts holds the byte offsets of the last three runes.
		var starts [3]int
		n := 0
		for i := range field {
			starts[0], starts[1], starts[2] = starts[1], starts[2], i
			n++
			if n < 3 {
				continue
			}
			_, size := utf8.DecodeRuneInString(field[i:])
			terms = append(terms, gramTerm(field[starts[0]:i+size]))
		}
	}
	slices.Sort(terms)
	return slices.Compact(terms)
}

// gramTerm is the index term of one trigram.
func gramTerm(gram string) string {
	if len(gram) == 3 && plainByte(gram[0]) && plainByte(gram[1]) && plainByte(gram[2]) {
		return gram
	}
	const digits = "0123456789abcdef"
	b := make([]byte, 2*len(gram))
	for i := 0; i < len(gram); i++ {
		b[2*i], b[2*i+1] = digits[gram[i]>>4], digits[gram[i]&0x0f]
	}
	return string(b)
}

func plainByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
