// Package drivefake serves a fake Google Drive v3 API to the unmodified
// rclone drive backend, in-process and on 127.0.0.1 only.
//
// The drive backend hard-codes https://www.googleapis.com and
// https://oauth2.googleapis.com and has no endpoint option, but every HTTP
// client it makes honours rclone's global --http-proxy and --ca-cert
// settings. A Server therefore runs an HTTP CONNECT proxy on 127.0.0.1,
// points rclone's global config at it, and terminates the tunnels for the
// two Google hosts itself, with a certificate from a CA that exists only for
// the life of the Server. CONNECTs to any other host are refused and
// remembered, so a test can prove that nothing tried to leave the machine;
// tunnels to loopback addresses are passed through, so other in-process
// servers keep working while the fake is active.
//
// Behind the proxy is an in-memory Drive: folders and files with content,
// the files.list query language subset rclone sends, metadata get and
// patch, ranged media downloads, multipart and resumable uploads (with the
// 256 KiB chunk rule), delete, trash, copy, about and the OAuth2 token
// endpoint. Faults (rate limits, server errors, the daily upload cap, cut
// downloads) can be switched on at any time.
//
// Use it through rclone like any remote:
//
//	s := drivefake.Start(t)
//	f, err := fs.NewFs(ctx, s.RemoteSpec("backups", "use_trash=false"))
//	...
//	s.FailNext(2, 403, "userRateLimitExceeded") // retried by rclone
//	s.SetUploadLimit(1 << 20)                   // fatal with stop_on_upload_limit=true
//	s.CutDownloads(1, 1<<20)                    // operations.NewReOpen resumes
//	for _, file := range s.Files() { ... }      // what is really stored
//
// A line like a home connection's, and what crossed it:
//
//	s.SetNetwork(drivefake.Network{Latency: 40 * time.Millisecond, ConnRate: 8e6})
//	up, down := s.MaxTransfers() // part uploads and downloads at once
//	m := s.UploadMeter()         // bytes received over time
//
// cmd/drivefake serves it as a process, for the benchmark.
//
// The test binary must import _ "github.com/rclone/rclone/backend/drive".
//
// Because rclone's config is process-global, only one Server may run at a
// time and tests that use it must not call t.Parallel.
package drivefake
