package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// probeLag measures, while the load runs, the time from a 201 to the
// customer showing in GET /customers. The probe creates its customers
// under an organization of its own, so each poll reads a small list, and
// polls every two milliseconds (the lag's resolution; polling faster made
// the probe itself a noticeable share of the service's CPU); its creates
// travel the same pipeline as the load.
func (l *loader) probeLag(ctx context.Context) []time.Duration {
	tok, err := auth.Mint(l.cfg.Secret, auth.MintClaims{
		UserID: "loadgen-probe", OrganizationID: "loadgen-" + l.runID + "-probe", OrgRole: "Reseller",
		Permissions: auth.DefaultPermissions("reseller"), TTL: 2 * time.Hour,
	}, time.Now())
	if err != nil {
		return nil
	}
	var lags []time.Duration
	for ctx.Err() == nil {
		name, body := l.body()
		status, err := l.post(ctx, tok, body)
		if err != nil || status != http.StatusCreated {
			continue
		}
		acked := time.Now()
		if l.waitListed(ctx, tok, name) {
			lags = append(lags, time.Since(acked))
		}
		sleep(ctx, 20*time.Millisecond)
	}
	return lags
}

func (l *loader) waitListed(ctx context.Context, tok, name string) bool {
	u := l.cfg.URL + "/customers?page_size=1&search=" + url.QueryEscape(name)
	for ctx.Err() == nil {
		found, err := l.listed(ctx, u, tok)
		if err == nil && found {
			return true
		}
		sleep(ctx, 2*time.Millisecond)
	}
	return false
}

func (l *loader) listed(ctx context.Context, u, tok string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := l.client.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	var body struct {
		Data struct {
			Pagination struct {
				TotalCount int `json:"total_count"`
			} `json:"pagination"`
		} `json:"data"`
	}
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("list: %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return false, err
	}
	return body.Data.Pagination.TotalCount > 0, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
