// Package webhook verifies signed webhook deliveries and turns them into
// the text of a claw's event. Two schemes are supported: Standard Webhooks
// (webhook-id, webhook-timestamp and webhook-signature headers, HMAC-SHA256
// over "id.timestamp.body" with a whsec_ secret, several signatures for key
// rotation, a five-minute tolerance each way) and GitHub's
// X-Hub-Signature-256 (HMAC-SHA256 of the body, hex). Signatures are
// compared in constant time. The package does no I/O.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Tolerance is how far a Standard Webhooks timestamp may be from now, in
// either direction.
const Tolerance = 5 * time.Minute

// MaxID is the longest delivery id accepted, in bytes.
const MaxID = 160

// secretPrefix starts a Standard Webhooks secret.
const secretPrefix = "whsec_"

// Verification errors; all of them mean the delivery is refused (401).
var (
	ErrMissing   = errors.New("missing signature headers")
	ErrTimestamp = errors.New("timestamp outside the tolerance")
	ErrSignature = errors.New("no matching signature")
)

// Delivery is the identity of a verified delivery.
type Delivery struct {
	// ID is the sender's delivery id (webhook-id or X-GitHub-Delivery),
	// the same on every retry of one delivery.
	ID string
	// Timestamp is the signed send time; zero for GitHub.
	Timestamp time.Time
}

// ParseSecret decodes a hook's secret for its scheme: a Standard Webhooks
// secret is base64, with or without the whsec_ prefix; a GitHub secret is
// used as it is.
func ParseSecret(scheme, secret string) ([]byte, error) {
	switch scheme {
	case claw.SchemeGitHub:
		if secret == "" {
			return nil, errors.New("secret is empty")
		}
		return []byte(secret), nil
	case claw.SchemeStandard, "":
		s := strings.TrimPrefix(secret, secretPrefix)
		key, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			key, err = base64.RawStdEncoding.DecodeString(s)
		}
		if err != nil {
			return nil, errors.New("secret must be whsec_ followed by base64")
		}
		if len(key) == 0 {
			return nil, errors.New("secret is empty")
		}
		return key, nil
	default:
		return nil, fmt.Errorf("unknown scheme %q", scheme)
	}
}

// Verify checks a delivery's signature by scheme (claw.SchemeStandard,
// the default, or claw.SchemeGitHub) with a key from ParseSecret. The
// error is ErrMissing, ErrTimestamp or ErrSignature, possibly wrapped.
func Verify(scheme string, key []byte, h http.Header, body []byte, now time.Time) (Delivery, error) {
	if scheme == claw.SchemeGitHub {
		return VerifyGitHub(key, h, body)
	}
	return VerifyStandard(key, h, body, now)
}

// VerifyStandard checks a Standard Webhooks delivery: the timestamp is
// within Tolerance of now and one of the space-separated "v1,<base64>"
// signatures is the HMAC-SHA256 of "id.timestamp.body" under key. Other
// signature versions are ignored.
func VerifyStandard(key []byte, h http.Header, body []byte, now time.Time) (Delivery, error) {
	id, ts, sigs := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	if id == "" || ts == "" || sigs == "" {
		return Delivery{}, fmt.Errorf("%w: webhook-id, webhook-timestamp and webhook-signature are required", ErrMissing)
	}
	if err := checkID(id); err != nil {
		return Delivery{}, err
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Delivery{}, fmt.Errorf("%w: webhook-timestamp must be Unix seconds", ErrTimestamp)
	}
	// Compare in seconds, without converting: a huge value cannot overflow.
	nowSec, tol := now.Unix(), int64(Tolerance/time.Second)
	if sec < nowSec-tol || sec > nowSec+tol {
		return Delivery{}, fmt.Errorf("%w: webhook-timestamp is more than %s away from now", ErrTimestamp, Tolerance)
	}
	// Sign the number as the reference libraries do ("+5" signs as "5").
	want := standardMAC(key, id, strconv.FormatInt(sec, 10), body)
	for sig := range strings.SplitSeq(sigs, " ") {
		version, enc, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.Strict().DecodeString(enc)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return Delivery{ID: id, Timestamp: time.Unix(sec, 0).UTC()}, nil
		}
	}
	return Delivery{}, ErrSignature
}

// VerifyGitHub checks a GitHub delivery: X-Hub-Signature-256 is
// "sha256=" and the hex HMAC-SHA256 of the body under key; the delivery id
// is X-GitHub-Delivery.
func VerifyGitHub(key []byte, h http.Header, body []byte) (Delivery, error) {
	id, sig := h.Get("X-GitHub-Delivery"), h.Get("X-Hub-Signature-256")
	if id == "" || sig == "" {
		return Delivery{}, fmt.Errorf("%w: X-Hub-Signature-256 and X-GitHub-Delivery are required", ErrMissing)
	}
	if err := checkID(id); err != nil {
		return Delivery{}, err
	}
	enc, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return Delivery{}, fmt.Errorf("%w: X-Hub-Signature-256 must start with sha256=", ErrSignature)
	}
	got, err := hex.DecodeString(enc)
	if err != nil || !hmac.Equal(got, githubMAC(key, body)) {
		return Delivery{}, ErrSignature
	}
	return Delivery{ID: id}, nil
}

// checkID accepts ids of printable ASCII up to MaxID bytes, so that they
// fit in an event's idempotency key.
func checkID(id string) error {
	if len(id) > MaxID {
		return fmt.Errorf("%w: delivery id over %d bytes", ErrMissing, MaxID)
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return fmt.Errorf("%w: delivery id must be printable ASCII without spaces", ErrMissing)
		}
	}
	return nil
}

func standardMAC(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

func githubMAC(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

// SignStandard returns the webhook-signature value ("v1,<base64>") of a
// Standard Webhooks delivery sent at ts.
func SignStandard(key []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, id, strconv.FormatInt(ts.Unix(), 10), body))
}

// SignGitHub returns the X-Hub-Signature-256 value of a GitHub delivery.
func SignGitHub(key, body []byte) string {
	return "sha256=" + hex.EncodeToString(githubMAC(key, body))
}
