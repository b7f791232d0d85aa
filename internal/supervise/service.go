package supervise

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// Service is a node service supervised by the Supervisor: Serve runs until
// ctx ends. A panic, or a return before ctx ended, restarts it with
// exponential backoff; it never takes the node down.
type Service interface {
	Serve(ctx context.Context) error
}

type service struct {
	name string
	svc  Service
}

// AddService adds a node service; call it before Start. Services start
// with Start and stop after the claws have drained in Stop.
func (s *Supervisor) AddService(name string, svc Service) {
	s.services = append(s.services, &service{name: name, svc: svc})
}

func (s *Supervisor) startServices() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sv := range s.services {
		s.svcWG.Add(1)
		go s.runService(sv)
	}
	s.services = nil // started once
}

func (s *Supervisor) runService(sv *service) {
	defer s.svcWG.Done()
	var crashes []time.Time
	for {
		err := serveOnce(s.ctx, sv.svc)
		if s.ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("returned before the node stopped")
		}
		now := s.cfg.Clock.Now()
		keep := crashes[:0]
		for _, t := range crashes {
			if now.Sub(t) < s.cfg.Within {
				keep = append(keep, t)
			}
		}
		crashes = append(keep, now)
		delay := backoff(s.cfg.BaseBackoff, s.cfg.MaxBackoff, len(crashes))
		if len(crashes) > s.cfg.MaxRestarts {
			delay = s.cfg.MaxBackoff
			s.log.Error("node service crash-looping; restarting at the longest backoff", "service", sv.name, "crashes", len(crashes), "err", err, "backoff", delay)
		} else {
			s.log.Error("node service crashed; restarting", "service", sv.name, "err", err, "backoff", delay)
		}
		if hook := s.cfg.OnServiceCrash; hook != nil {
			hook(sv.name, err)
		}
		sleep(s.ctx, s.cfg.Clock, delay, nil)
	}
}

func serveOnce(ctx context.Context, svc Service) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return svc.Serve(ctx)
}
