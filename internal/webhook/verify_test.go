package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/webhook"
)

// The Standard Webhooks reference vector (also what the standardwebhooks
// npm library signs for it).
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func key(t *testing.T, scheme, secret string) []byte {
	t.Helper()
	k, err := webhook.ParseSecret(scheme, secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func standardHeader(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", sig)
	return h
}

func TestVerifyStandard(t *testing.T) {
	t.Parallel()
	k := key(t, claw.SchemeStandard, vecSecret)
	other := key(t, claw.SchemeStandard, "whsec_"+"c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=")
	now := time.Unix(vecTS, 0)
	good := webhook.SignStandard(k, vecID, now, []byte(vecBody))
	if good != vecSig {
		t.Fatalf("SignStandard = %s, want the reference %s", good, vecSig)
	}
	rotated := webhook.SignStandard(other, vecID, now, []byte(vecBody))
	tests := []struct {
		name string
		h    http.Header
		body string
		now  time.Time
		want error
	}{
		{"reference vector", standardHeader(vecID, vecTS, vecSig), vecBody, now, nil},
		{"several signatures, one good", standardHeader(vecID, vecTS, rotated+" "+vecSig), vecBody, now, nil},
		{"unknown versions ignored", standardHeader(vecID, vecTS, "v1a,xyz v2,abc "+vecSig), vecBody, now, nil},
		{"4m59s old", standardHeader(vecID, vecTS, vecSig), vecBody, now.Add(299 * time.Second), nil},
		{"4m59s ahead", standardHeader(vecID, vecTS, vecSig), vecBody, now.Add(-299 * time.Second), nil},
		{"stale", standardHeader(vecID, vecTS, vecSig), vecBody, now.Add(301 * time.Second), webhook.ErrTimestamp},
		{"from the future", standardHeader(vecID, vecTS, vecSig), vecBody, now.Add(-301 * time.Second), webhook.ErrTimestamp},
		{"timestamp not a number", func() http.Header {
			h := standardHeader(vecID, vecTS, vecSig)
			h.Set("webhook-timestamp", "yesterday")
			return h
		}(), vecBody, now, webhook.ErrTimestamp},
		{"huge timestamp", func() http.Header {
			h := standardHeader(vecID, vecTS, vecSig)
			h.Set("webhook-timestamp", "9223372036854775807")
			return h
		}(), vecBody, now, webhook.ErrTimestamp},
		{"other key only", standardHeader(vecID, vecTS, rotated), vecBody, now, webhook.ErrSignature},
		{"body changed", standardHeader(vecID, vecTS, vecSig), vecBody + " ", now, webhook.ErrSignature},
		{"id changed", standardHeader(vecID+"x", vecTS, vecSig), vecBody, now, webhook.ErrSignature},
		{"timestamp changed", standardHeader(vecID, vecTS+1, vecSig), vecBody, now, webhook.ErrSignature},
		{"bad base64", standardHeader(vecID, vecTS, "v1,!!!"), vecBody, now, webhook.ErrSignature},
		{"signature without version", standardHeader(vecID, vecTS, vecSig[3:]), vecBody, now, webhook.ErrSignature},
		{"missing id", standardHeader("", vecTS, vecSig), vecBody, now, webhook.ErrMissing},
		{"missing signature", standardHeader(vecID, vecTS, ""), vecBody, now, webhook.ErrMissing},
		{"id with a space", standardHeader("a b", vecTS, vecSig), vecBody, now, webhook.ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := webhook.VerifyStandard(k, tt.h, []byte(tt.body), tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && (d.ID != tt.h.Get("webhook-id") || d.Timestamp.Unix() != vecTS) {
				t.Fatalf("delivery = %+v", d)
			}
		})
	}
}

func TestVerifyGitHub(t *testing.T) {
	t.Parallel()
	k := key(t, claw.SchemeGitHub, "It's a Secret to Everybody")
	body := []byte("Hello, World!")
	// GitHub's documented example.
	const docSig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := webhook.SignGitHub(k, body); got != docSig {
		t.Fatalf("SignGitHub = %s, want %s", got, docSig)
	}
	h := func(id, sig string) http.Header {
		h := http.Header{}
		h.Set("X-GitHub-Delivery", id)
		h.Set("X-Hub-Signature-256", sig)
		return h
	}
	tests := []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"documented example", h("d1", docSig), body, nil},
		{"uppercase hex", h("d1", "sha256="+"757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"), body, nil},
		{"body changed", h("d1", docSig), []byte("Hello, World?"), webhook.ErrSignature},
		{"sha1 prefix", h("d1", "sha1="+docSig[7:]), body, webhook.ErrSignature},
		{"no delivery id", h("", docSig), body, webhook.ErrMissing},
		{"no signature", h("d1", ""), body, webhook.ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := webhook.Verify(claw.SchemeGitHub, k, tt.h, tt.body, time.Now())
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && d.ID != "d1" {
				t.Fatalf("delivery = %+v", d)
			}
		})
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme, secret string
		ok             bool
	}{
		{claw.SchemeStandard, vecSecret, true},
		{claw.SchemeStandard, vecSecret[len("whsec_"):], true},
		{"", vecSecret, true},
		{claw.SchemeStandard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true},
		{claw.SchemeStandard, "whsec_not base64!", false},
		{claw.SchemeStandard, "whsec_", false},
		{claw.SchemeGitHub, "anything goes", true},
		{claw.SchemeGitHub, "", false},
		{"gitlab", "x", false},
	}
	for _, tt := range tests {
		_, err := webhook.ParseSecret(tt.scheme, tt.secret)
		if (err == nil) != tt.ok {
			t.Errorf("ParseSecret(%q, %q) err = %v, want ok %v", tt.scheme, tt.secret, err, tt.ok)
		}
	}
}
