// Package browsertest provides a headless Chromium for tests and tools: Start
// gives a test a chromedp context (skipping when no browser is installed,
// failing when CI is set, as Require does), Open does the same outside tests, Requests
// records every request a page makes, and Screenshot writes a page's
// picture to a file.
package browsertest
