package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// minRSABits is the shortest RSA modulus accepted (NIST SP 800-131A).
const minRSABits = 2048

// errNotForSigning marks a JWK meant for something else (encryption); it is
// left out of the set without counting as malformed.
var errNotForSigning = errors.New("key is not for signatures")

// jwk is a parsed signature key of a JWKS.
type jwk struct {
	kid string
	// alg is the JWK's own "alg", empty when it names none; when set, tokens
	// must use exactly this algorithm.
	alg string
	// keyAlg is the one algorithm the key's type serves: RS256 for RSA,
	// ES256 or ES384 for the curve, EdDSA for Ed25519.
	keyAlg string
	key    crypto.PublicKey
}

// fits says whether the key may verify a token signed with alg. Checking the
// key type, not only the JWK's alg, is what rules out algorithm confusion.
func (k jwk) fits(alg string) error {
	if k.alg != "" && k.alg != alg {
		return errors.New("the key's alg does not match the token's")
	}
	if k.keyAlg != alg {
		return errors.New("the key's type does not match the token's alg")
	}
	return nil
}

// jwkJSON is the wire form of a JWK (RFC 7517, 7518 §6, 8037).
type jwkJSON struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseJWK parses one key. Its errors never quote the key.
func parseJWK(raw json.RawMessage) (jwk, error) {
	var j jwkJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return jwk{}, errors.New("not a JWK object")
	}
	if (j.Use != "" && j.Use != "sig") || (j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify")) {
		return jwk{}, errNotForSigning
	}
	if j.Kid == "" {
		return jwk{}, errors.New("missing kid")
	}
	key, keyAlg, err := j.publicKey()
	if err != nil {
		return jwk{}, err
	}
	return jwk{kid: j.Kid, alg: j.Alg, keyAlg: keyAlg, key: key}, nil
}

// publicKey returns the key and the algorithm its type serves.
func (j jwkJSON) publicKey() (crypto.PublicKey, string, error) {
	switch j.Kty {
	case "RSA":
		k, err := rsaPublicKey(j.N, j.E)
		return k, "RS256", err
	case "EC":
		return ecPublicKey(j.Crv, j.X, j.Y)
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, "", errors.New("unsupported OKP curve")
		}
		x, err := decodeMember("x", j.X, ed25519.PublicKeySize)
		return ed25519.PublicKey(x), "EdDSA", err
	}
	return nil, "", errors.New("unsupported key type")
}

func rsaPublicKey(n64, e64 string) (*rsa.PublicKey, error) {
	n, err := decodeMember("n", n64, 0)
	if err != nil {
		return nil, err
	}
	e, err := decodeMember("e", e64, 0)
	if err != nil {
		return nil, err
	}
	modulus := new(big.Int).SetBytes(n)
	if modulus.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA modulus shorter than %d bits", minRSABits)
	}
	// crypto/rsa refuses exponents above 2³¹-1 when verifying.
	exponent := new(big.Int).SetBytes(e)
	if exponent.BitLen() > 31 || exponent.Int64() < 3 || exponent.Bit(0) == 0 {
		return nil, errors.New("RSA exponent must be odd, at least 3 and below 2^31")
	}
	return &rsa.PublicKey{N: modulus, E: int(exponent.Int64())}, nil
}

// ecCurves maps the supported JWK curves to the algorithm each serves.
var ecCurves = map[string]struct {
	curve elliptic.Curve
	alg   string
}{
	"P-256": {elliptic.P256(), "ES256"},
	"P-384": {elliptic.P384(), "ES384"},
}

func ecPublicKey(crv, x64, y64 string) (*ecdsa.PublicKey, string, error) {
	c, ok := ecCurves[crv]
	if !ok {
		return nil, "", errors.New("unsupported EC curve")
	}
	size := (c.curve.Params().BitSize + 7) / 8
	x, err := decodeMember("x", x64, size)
	if err != nil {
		return nil, "", err
	}
	y, err := decodeMember("y", y64, size)
	if err != nil {
		return nil, "", err
	}
	// The parser refuses points off the curve and the point at infinity.
	key, err := ecdsa.ParseUncompressedPublicKey(c.curve, slices.Concat([]byte{4}, x, y))
	if err != nil {
		return nil, "", errors.New("EC point is not on the curve")
	}
	return key, c.alg, nil
}

// decodeMember decodes a base64url member; size, when positive, is the
// exact length required.
func decodeMember(name, value string, size int) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(value)
	switch {
	case err != nil:
		return nil, fmt.Errorf("member %q is not base64url", name)
	case len(b) == 0:
		return nil, fmt.Errorf("member %q is empty", name)
	case size > 0 && len(b) != size:
		return nil, fmt.Errorf("member %q has %d bytes, want %d", name, len(b), size)
	}
	return b, nil
}

// keyMap is an immutable snapshot of a key set, by kid.
type keyMap map[string][]jwk

// parseKeySet parses a JWKS document, skipping keys it cannot use. It fails
// when no usable signing key is left, so a broken answer never replaces a
// working set.
func parseKeySet(body []byte) (keys keyMap, skipped int, err error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	// The decoder's errors may quote the body; keep them out.
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, 0, errors.New("auth: JWKS is not a JSON key set")
	}
	keys = keyMap{}
	for _, raw := range set.Keys {
		k, err := parseJWK(raw)
		switch {
		case errors.Is(err, errNotForSigning):
			continue
		case err != nil:
			skipped++
			continue
		}
		keys[k.kid] = append(keys[k.kid], k)
	}
	if len(keys) == 0 {
		return nil, skipped, fmt.Errorf("auth: JWKS holds no usable signing key (%d skipped)", skipped)
	}
	return keys, skipped, nil
}

// size is the number of keys held.
func (m keyMap) size() int {
	n := 0
	for _, ks := range m {
		n += len(ks)
	}
	return n
}
