package btrfs

import (
	"bytes"
	"context"
	"fmt"
)

// ReceiveUnvalidated feeds stream to btrfs receive exactly as Receive runs
// it, but without the Validator, so that tests can show what the
// confinement alone holds, whatever the validator refuses.
func ReceiveUnvalidated(ctx context.Context, dir string, stream []byte) error {
	cmd := receiveCommand(ctx, dir)
	cmd.Stdin = bytes.NewReader(stream)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}
