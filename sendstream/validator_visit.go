package sendstream

// OnCommand makes the Validator call f with every command once it passed
// every check, whole and decoded, in stream order, before Write returns.
// A consumer that needs the decoded commands (push's file index) then
// takes them from the one parse that checks the stream, instead of
// parsing the same bytes a second time.
//
// f runs on the goroutine calling Write. The Command and its byte slices
// (Data, XattrData, Verity*) point into the bytes given to Write, or into
// the Validator's buffer for a command that arrived across Writes: both
// are reused, so f must copy whatever it keeps past its return. A command
// is handed over only once all its bytes arrived, so one cut across two
// Writes is still seen whole.
func (v *Validator) OnCommand(f func(*Command)) { v.onCmd = f }
