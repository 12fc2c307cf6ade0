package domain

import (
	"regexp"
	"strings"
)

// vatFormats holds, per EU member-state VAT prefix, the pattern of what
// follows the prefix once the number is normalised. Greece uses "EL".
var vatFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^U[0-9]{8}$`),
	"BE": regexp.MustCompile(`^[01][0-9]{9}$`),
	"BG": regexp.MustCompile(`^[0-9]{9,10}$`),
	"CY": regexp.MustCompile(`^[0-9]{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^[0-9]{8,10}$`),
	"DE": regexp.MustCompile(`^[0-9]{9}$`),
	"DK": regexp.MustCompile(`^[0-9]{8}$`),
	"EE": regexp.MustCompile(`^[0-9]{9}$`),
	"EL": regexp.MustCompile(`^[0-9]{9}$`),
	"ES": regexp.MustCompile(`^[0-9A-Z][0-9]{7}[0-9A-Z]$`),
	"FI": regexp.MustCompile(`^[0-9]{8}$`),
	"FR": regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}[0-9]{9}$`),
	"HR": regexp.MustCompile(`^[0-9]{11}$`),
	"HU": regexp.MustCompile(`^[0-9]{8}$`),
	"IE": regexp.MustCompile(`^([0-9]{7}[A-W][A-IW]?|[0-9][A-Z][0-9]{5}[A-W])$`),
	"IT": regexp.MustCompile(`^[0-9]{11}$`),
	"LT": regexp.MustCompile(`^([0-9]{9}|[0-9]{12})$`),
	"LU": regexp.MustCompile(`^[0-9]{8}$`),
	"LV": regexp.MustCompile(`^[0-9]{11}$`),
	"MT": regexp.MustCompile(`^[0-9]{8}$`),
	"NL": regexp.MustCompile(`^[0-9]{9}B[0-9]{2}$`),
	"PL": regexp.MustCompile(`^[0-9]{10}$`),
	"PT": regexp.MustCompile(`^[0-9]{9}$`),
	"RO": regexp.MustCompile(`^[0-9]{2,10}$`),
	"SE": regexp.MustCompile(`^[0-9]{12}$`),
	"SI": regexp.MustCompile(`^[0-9]{8}$`),
	"SK": regexp.MustCompile(`^[0-9]{10}$`),
}

// NormalizeVAT returns the form in which VAT numbers are compared: trimmed,
// upper case, with spaces, dots and dashes removed.
func NormalizeVAT(vat string) string {
	var b strings.Builder
	b.Grow(len(vat))
	for _, r := range strings.ToUpper(strings.TrimSpace(vat)) {
		switch r {
		case ' ', '\t', '.', '-':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// VATCountry returns the EU member-state prefix of a normalised VAT ("EL"
// for Greece), or "" when it does not start with one.
func VATCountry(normalizedVAT string) string {
	if len(normalizedVAT) < 2 {
		return ""
	}
	if _, ok := vatFormats[normalizedVAT[:2]]; !ok {
		return ""
	}
	return normalizedVAT[:2]
}

// checkVAT returns the rule the VAT as sent breaks, or "" when it is valid.
func checkVAT(vat string) string {
	if strings.TrimSpace(vat) == "" {
		return CodeBlank
	}
	n := NormalizeVAT(vat)
	if len(n) < 2 || len(n) > 32 || !isAlnum(n) {
		return CodeInvalidFormat
	}
	if format, ok := vatFormats[n[:2]]; ok && !format.MatchString(n[2:]) {
		return CodeInvalidFormat
	}
	return ""
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
