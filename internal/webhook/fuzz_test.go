package webhook_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/webhook"
)

// FuzzVerifyStandard feeds arbitrary headers and bodies to the verifier:
// it must never panic, must accept only what it signed itself, and must
// accept a delivery it signed.
func FuzzVerifyStandard(f *testing.F) {
	f.Add(vecID, strconv.Itoa(vecTS), vecSig, []byte(vecBody), int64(0))
	f.Add("id", "+1614265330", "v1,"+vecSig[3:]+" v1,AAAA", []byte(""), int64(300))
	f.Add("a.b", "-1", "v1,,, v1 v1a,x", []byte("{}"), int64(-301))
	f.Add("x", "1614265330", "", []byte{0xff, 0}, int64(1<<40))
	k, err := webhook.ParseSecret(claw.SchemeStandard, vecSecret)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, skew int64) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		now := time.Unix(vecTS+skew%1_000_000, 0)
		d, err := webhook.VerifyStandard(k, h, body, now)
		if err == nil {
			sec, perr := strconv.ParseInt(ts, 10, 64)
			if perr != nil || d.ID != h.Get("webhook-id") || d.Timestamp.Unix() != sec {
				t.Fatalf("accepted %q/%q as %+v", id, ts, d)
			}
			want := webhook.SignStandard(k, d.ID, d.Timestamp, body)
			if !containsField(sig, want) {
				t.Fatalf("accepted signature %q, which does not hold %q", sig, want)
			}
		}
		// What we sign ourselves verifies, when the headers can carry it.
		if id == "" || h.Get("webhook-id") != id || len(id) > webhook.MaxID || !printable(id) {
			return
		}
		h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		h.Set("webhook-signature", webhook.SignStandard(k, id, now, body))
		if _, err := webhook.VerifyStandard(k, h, body, now); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
	})
}

// FuzzVerifyGitHub does the same for the GitHub scheme.
func FuzzVerifyGitHub(f *testing.F) {
	f.Add("d1", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", []byte("Hello, World!"))
	f.Add("d1", "sha256=zz", []byte(""))
	f.Add("", "sha1=00", []byte("x"))
	k := []byte("It's a Secret to Everybody")
	f.Fuzz(func(t *testing.T, id, sig string, body []byte) {
		h := http.Header{}
		h.Set("X-GitHub-Delivery", id)
		h.Set("X-Hub-Signature-256", sig)
		if _, err := webhook.VerifyGitHub(k, h, body); err == nil {
			if want := webhook.SignGitHub(k, body); !equalFoldASCII(sig, want) {
				t.Fatalf("accepted %q, want %q", sig, want)
			}
		}
	})
}

func containsField(list, s string) bool {
	for i, start := 0, 0; i <= len(list); i++ {
		if i == len(list) || list[i] == ' ' {
			if list[start:i] == s {
				return true
			}
			start = i + 1
		}
	}
	return false
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
