package webhook_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/webhook"
)

func BenchmarkVerifyStandard(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			k, _ := webhook.ParseSecret(claw.SchemeStandard, vecSecret)
			body := bytes.Repeat([]byte("x"), size)
			now := time.Now()
			h := standardHeader("msg_1", now.Unix(), "v1,AAAA "+webhook.SignStandard(k, "msg_1", now, body))
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := webhook.VerifyStandard(k, h, body, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseAndRender(b *testing.B) {
	body := []byte(`{"type":"invoice.paid","data":{"id":"in_42","amount":1200,"lines":[1,2,3]}}`)
	h := http.Header{}
	h.Set("X-Source", "bench")
	for b.Loop() {
		p, err := webhook.ParsePrompt(`Invoice {{.JSON.data.id}} ({{index .Headers "x-source"}}): {{json .JSON.data}}`)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Render(webhook.NewData("c", "h", webhook.Delivery{ID: "m"}, body, h, []string{"X-Source"})); err != nil {
			b.Fatal(err)
		}
	}
}
