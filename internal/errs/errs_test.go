package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestKinds(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name         string
		err          error
		user, damage bool
	}{
		{"plain", base, false, false},
		{"user", Userf("bad flag %q", "x"), true, false},
		{"wrapped user", fmt.Errorf("push: %w", User(base)), true, false},
		{"damage", Damagef("part %d: %w", 3, base), false, true},
		{"wrapped damage", fmt.Errorf("verify: %w", Damage(base)), false, true},
		{"nil user", User(nil), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsUser(tt.err); got != tt.user {
				t.Errorf("IsUser = %v, want %v", got, tt.user)
			}
			if got := IsDamage(tt.err); got != tt.damage {
				t.Errorf("IsDamage = %v, want %v", got, tt.damage)
			}
		})
	}
	if !errors.Is(fmt.Errorf("x: %w", User(base)), base) {
		t.Error("a user error does not unwrap to its cause")
	}
}
