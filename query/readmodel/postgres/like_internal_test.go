package postgres

import "testing"

// TestLikePatternNeedsAWordOfThree: a search without three letters or
// digits in a row gives pg_trgm no trigram, so it gets no LIKE and never
// asks the index (which would read every row); others are escaped.
func TestLikePatternNeedsAWordOfThree(t *testing.T) {
	for search, want := range map[string]string{
		"---": "", "a-b": "", "   ": "", "12 3": "", "%_\\": "", "ab": "", "x\x00yz": "",
		"abc": "%abc%", "a-bcd": "%a-bcd%", "äöü": "%äöü%", "50%off": "%50\\%off%", "a_b\\cde": "%a\\_b\\\\cde%",
	} {
		got, ok := likePattern(search)
		if ok != (want != "") || got != want {
			t.Errorf("likePattern(%q) = %q, %t; want %q", search, got, ok, want)
		}
	}
}
