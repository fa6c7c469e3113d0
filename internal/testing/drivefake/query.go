package drivefake

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// predicate is a compiled files.list q= expression.
type predicate func(*file) bool

// parseQuery compiles the subset of the Drive search language that rclone
// sends: "'id' in parents", name/mimeType/trashed/modifiedTime comparisons,
// and/or/not and parentheses. Anything else is an error, which the API
// reports as 400 invalid so a new rclone query shows up as a test failure
// instead of a silently wrong listing.
func parseQuery(q string) (predicate, error) {
	if strings.TrimSpace(q) == "" {
		return func(*file) bool { return true }, nil
	}
	toks, err := tokenize(q)
	if err != nil {
		return nil, err
	}
	p := &queryParser{toks: toks}
	pred, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return pred, nil
}

type tokKind int

const (
	tokWord tokKind = iota // identifier or keyword
	tokString
	tokOp // = != < <= > >=
	tokLParen
	tokRParen
)

type token struct {
	kind tokKind
	text string
}

func tokenize(q string) ([]token, error) {
	var toks []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")"})
			i++
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(q) && q[j] != c; j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, fmt.Errorf("unterminated string in %q", q)
			}
			toks = append(toks, token{tokString, b.String()})
			i = j + 1
		case strings.ContainsRune("=!<>", rune(c)):
			j := i + 1
			if j < len(q) && q[j] == '=' {
				j++
			}
			op := q[i:j]
			if op == "!" {
				return nil, fmt.Errorf("bad operator in %q", q)
			}
			toks = append(toks, token{tokOp, op})
			i = j
		case unicode.IsLetter(rune(c)):
			j := i
			for j < len(q) && (unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j])) || q[j] == '_') {
				j++
			}
			toks = append(toks, token{tokWord, q[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q in %q", c, q)
		}
	}
	return toks, nil
}

type queryParser struct {
	toks []token
	pos  int
}

func (p *queryParser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *queryParser) next() (token, error) {
	t, ok := p.peek()
	if !ok {
		return t, fmt.Errorf("unexpected end of query")
	}
	p.pos++
	return t, nil
}

func (p *queryParser) keyword(word string) bool {
	t, ok := p.peek()
	if ok && t.kind == tokWord && strings.EqualFold(t.text, word) {
		p.pos++
		return true
	}
	return false
}

func (p *queryParser) or() (predicate, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(f *file) bool { return l(f) || right(f) }
	}
	return left, nil
}

func (p *queryParser) and() (predicate, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(f *file) bool { return l(f) && right(f) }
	}
	return left, nil
}

func (p *queryParser) unary() (predicate, error) {
	if p.keyword("not") {
		inner, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(f *file) bool { return !inner(f) }, nil
	}
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tokLParen:
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if t, err := p.next(); err != nil || t.kind != tokRParen {
			return nil, fmt.Errorf("missing )")
		}
		return inner, nil
	case tokString:
		// 'value' in parents
		if !p.keyword("in") || !p.keyword("parents") {
			return nil, fmt.Errorf("only \"'id' in parents\" may start with a string")
		}
		id := t.text
		if id == "root" {
			id = RootID
		}
		return func(f *file) bool { return contains(f.parents, id) }, nil
	case tokWord:
		return p.comparison(t.text)
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

func (p *queryParser) comparison(field string) (predicate, error) {
	opTok, err := p.next()
	if err != nil {
		return nil, err
	}
	op := opTok.text
	if opTok.kind == tokWord && opTok.text == "contains" {
		op = "contains"
	} else if opTok.kind != tokOp {
		return nil, fmt.Errorf("expected operator after %s", field)
	}
	val, err := p.next()
	if err != nil {
		return nil, err
	}
	switch field {
	case "name":
		if val.kind != tokString {
			return nil, fmt.Errorf("name needs a string")
		}
		return stringCmp(op, val.text, func(f *file) string { return f.name }, true)
	case "mimeType":
		if val.kind != tokString {
			return nil, fmt.Errorf("mimeType needs a string")
		}
		return stringCmp(op, val.text, func(f *file) string { return f.mimeType }, false)
	case "trashed":
		want := strings.EqualFold(val.text, "true")
		if val.kind != tokWord || (!want && !strings.EqualFold(val.text, "false")) {
			return nil, fmt.Errorf("trashed needs true or false")
		}
		switch op {
		case "=":
			return func(f *file) bool { return f.trashed == want }, nil
		case "!=":
			return func(f *file) bool { return f.trashed != want }, nil
		}
	case "sharedWithMe", "starred":
		// Nothing in the fake is shared or starred.
		return func(*file) bool { return false }, nil
	case "modifiedTime":
		tm, err := time.Parse(time.RFC3339, strings.TrimSuffix(val.text, "Z")+"Z")
		if err != nil {
			return nil, err
		}
		cmp := func(f *file) int { return f.modified.Truncate(time.Second).Compare(tm) }
		switch op {
		case "=":
			return func(f *file) bool { return cmp(f) == 0 }, nil
		case "!=":
			return func(f *file) bool { return cmp(f) != 0 }, nil
		case "<":
			return func(f *file) bool { return cmp(f) < 0 }, nil
		case "<=":
			return func(f *file) bool { return cmp(f) <= 0 }, nil
		case ">":
			return func(f *file) bool { return cmp(f) > 0 }, nil
		case ">=":
			return func(f *file) bool { return cmp(f) >= 0 }, nil
		}
	default:
		return nil, fmt.Errorf("field %q not supported by drivefake", field)
	}
	return nil, fmt.Errorf("operator %q not supported for %s", op, field)
}

// stringCmp compares a string field. Drive's name comparisons are case
// insensitive (rclone re-checks case itself), mimeType's are not.
func stringCmp(op, want string, get func(*file) string, fold bool) (predicate, error) {
	eq := func(a string) bool { return a == want }
	if fold {
		eq = func(a string) bool { return strings.EqualFold(a, want) }
	}
	switch op {
	case "=":
		return func(f *file) bool { return eq(get(f)) }, nil
	case "!=":
		return func(f *file) bool { return !eq(get(f)) }, nil
	case "contains":
		return func(f *file) bool {
			return strings.Contains(strings.ToLower(get(f)), strings.ToLower(want))
		}, nil
	}
	return nil, fmt.Errorf("operator %q not supported for strings", op)
}
