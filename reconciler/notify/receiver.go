package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Receiver names, the only way a receiver is shown: the URL of an incoming
// webhook is its secret.
const (
	ReceiverWebhook = "webhook"
	ReceiverSlack   = "slack"
)

// receiver is a validated webhook URL and the name it is shown by.
type receiver struct {
	name string
	url  *url.URL
	// secrets are the forms of the URL an error text might quote.
	secrets []string
}

// newReceiver parses a receiver's URL: http or https with a host. The
// error names the receiver and never quotes the URL.
func newReceiver(name, raw string) (*receiver, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s url: does not parse: %s", name, parseReason(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s url: want http:// or https:// and a host", name)
	}
	r := &receiver{name: name, url: u}
	for _, s := range []string{raw, u.String(), u.Redacted(), u.Path, u.EscapedPath(), u.RawQuery, u.Fragment, u.User.String()} {
		if len(s) > 1 {
			r.secrets = append(r.secrets, s)
		}
	}
	return r, nil
}

// parseReason says why a URL does not parse without quoting any of it.
func parseReason(err error) string {
	var esc url.EscapeError
	var host url.InvalidHostError
	switch {
	case errors.As(err, &esc):
		return "invalid %-escape"
	case errors.As(err, &host):
		return "invalid character in host name"
	case strings.Contains(err.Error(), "control character"):
		return "invalid control character"
	}
	return "invalid URL"
}

// clean returns the text of a delivery error without the receiver's URL:
// the *url.Error of http.Client quotes it (with the scheme in lower case),
// so only the error it wraps is kept, and any form of the URL left in that
// is replaced.
func (r *receiver) clean(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	for _, s := range r.secrets {
		msg = strings.ReplaceAll(msg, s, "("+r.name+" url)")
	}
	return msg
}
