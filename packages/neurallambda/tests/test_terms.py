from neurallambda import App, Cons, Free, Int, Lam, Nil, Prim, Var, compile_text, show, size


def test_fn_and_calls_are_curried_with_de_bruijn_indices():
    assert compile_text("(fn [x y] (x y))") == Lam("x", Lam("y", App(Var(1), Var(0))))


def test_unbound_names_become_free_variables():
    assert compile_text("(fn [x] (x y))") == Lam("x", App(Var(0), Free("y")))


def test_quoted_lists_become_cons_cells():
    assert compile_text("'(1 2)") == Cons(Int(1), Cons(Int(2), Nil()))


def test_let_and_defn_desugar_to_applied_functions():
    assert compile_text("(let [a 1] a)") == App(Lam("a", Var(0)), Int(1))
    assert compile_text("(defn id [v] v) (id 3)") == App(
        Lam("id", App(Var(0), Int(3))), Lam("v", Var(0))
    )


def test_primitives_are_not_variables():
    assert compile_text("(+ 1 2)") == App(App(Prim("+"), Int(1)), Int(2))


def test_show_renames_binders_that_would_capture_a_free_variable():
    assert show(Lam("y", App(Free("y"), Var(0)))) == "(fn [y1] (y y1))"


def test_show_renames_shadowing_binders():
    assert show(Lam("x", Lam("x", App(Var(1), Var(0))))) == "(fn [x x1] (x x1))"


def test_show_prints_improper_cons_as_a_call():
    assert show(Cons(Int(1), Int(2))) == "(cons 1 2)"


def test_size_counts_cells():
    assert size(compile_text("((fn [x] x) 42)")) == 4
