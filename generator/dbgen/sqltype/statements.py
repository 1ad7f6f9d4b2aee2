"""Typing statements: SELECT (FROM and joins, GROUP BY, the select list, ORDER BY, LIMIT), set
operations, CTEs (recursive ones too), derived tables, views of the catalog, and INSERT, UPDATE,
DELETE with RETURNING."""

from __future__ import annotations

import contextlib

import sqlglot
from sqlglot import exp

from dbgen.ir import Catalog, QName, SqlType
from dbgen.sqltype import pgtypes as T
from dbgen.sqltype.expressions import Expressions, _unparen
from dbgen.sqltype.scope import Problem, Rel, Scope, V, _suggest, ident

Columns = list[tuple[str, V]]
UNNAMED = "?column?"

_MAX_VIEW_DEPTH = 20


class Typer(Expressions):
    """Types one statement against a catalog; ``statement`` is the entry point."""

    def __init__(self, catalog: Catalog, search_path: tuple[str, ...] = ("public",)) -> None:
        super().__init__(catalog)
        self.search_path = search_path
        self._views: list[QName] = []  # views being typed (a view over itself is an error)
        # The select list whose names are the result's, and each result column's expression.
        self.top: exp.Expression | None = None
        self.top_nodes: list[tuple[str, exp.Expression]] = []

    def statement(self, node: exp.Expression) -> tuple[str, Columns]:
        top = node
        while isinstance(top, exp.SetOperation | exp.Subquery):
            top = top.this  # a set operation's columns are named by its first query
        self.top = top
        if isinstance(node, exp.Insert):
            return "insert", self.insert(node)
        if isinstance(node, exp.Update):
            return "update", self.update(node)
        if isinstance(node, exp.Delete):
            return "delete", self.delete(node)
        if isinstance(node, exp.Select | exp.SetOperation | exp.Subquery):
            return "select", self.query(node, None)
        raise Problem(
            node,
            "unsupported-statement",
            "a query is one SELECT, INSERT, UPDATE or DELETE statement",
        )

    # -- queries ---------------------------------------------------------------------------------
    def query(self, node: exp.Expression, parent: Scope | None) -> Columns:
        node = _unparen(node)
        while isinstance(node, exp.Subquery):
            node = _unparen(node.this)
        if isinstance(node, exp.Select):
            return self.select(node, parent)
        if isinstance(node, exp.SetOperation):
            return self.setop(node, parent)
        if isinstance(node, exp.Values):
            return self.values(node, Scope(parent=parent))
        raise Problem(node, "unsupported-statement", "expected a query")

    def with_(self, node: exp.Expression, scope: Scope) -> None:
        w = node.args.get("with_") or node.args.get("with")
        if w is None:
            return
        recursive = bool(w.args.get("recursive"))
        for cte in w.expressions:
            name = ident(cte.alias)
            aliases = [ident(c) for c in (cte.args["alias"].columns or [])]
            body = _unparen(cte.this)
            if recursive and isinstance(body, exp.Union):
                cols = self._recursive(name, aliases, body, scope)
            else:
                cols = _renamed(self.query(body, scope), aliases, cte)
            scope.ctes[name] = cols

    def _recursive(self, name: str, aliases: list[str], body: exp.Union, scope: Scope) -> Columns:
        cols = _renamed(self.query(body.this, scope), aliases, body)
        for _ in range(4):  # nullability can only grow: a few rounds reach the fixed point
            scope.ctes[name] = cols
            step = self.query(body.expression, scope)
            if len(step) != len(cols):
                raise Problem(body, "type-mismatch", "the UNION's sides return different columns")
            merged = [
                (n, V(self._meet_types(body, a.type, b.type), a.nullable or b.nullable))
                for (n, a), (_, b) in zip(cols, step, strict=True)
            ]
            if merged == cols:
                break
            cols = merged
        return cols

    def _meet_types(self, node: exp.Expression, a: SqlType, b: SqlType) -> SqlType:
        t = T.unify(a, b)
        if t is None:
            raise Problem(node, "type-mismatch", f"{a.sql} and {b.sql} do not mix; cast one side")
        return T.resolved(t)

    def select(self, node: exp.Select, parent: Scope | None) -> Columns:
        scope = Scope(parent=parent)
        self.with_(node, scope)
        frm = node.args.get("from_") or node.args.get("from")
        if frm is not None:
            self.add_from(frm.this, scope)
        for j in node.args.get("joins") or []:
            self.join(j, scope)
        where = node.args.get("where")
        if where is not None:
            self.boolean(where.this, self.typ(where.this, scope))
            _narrow(where.this, scope)
        aliases = {ident(e.alias) for e in node.expressions if isinstance(e, exp.Alias)}
        group = node.args.get("group")
        if group is not None:
            plain = bool(group.expressions) and not any(
                group.args.get(k) for k in ("rollup", "cube", "grouping_sets")
            )
            plain = plain and not any(
                isinstance(g, exp.Rollup | exp.Cube | exp.GroupingSets) for g in group.expressions
            )
            scope.grouped = plain
            for g in group.walk():
                if g is group or not isinstance(g, exp.Expression):
                    continue
            for g in _group_items(group):
                self._group_item(g, scope, aliases)
        distinct = node.args.get("distinct")
        if distinct is not None and distinct.args.get("on") is not None:
            for d in distinct.args["on"].expressions:
                self.typ(d, scope)
        outputs = self.select_list(node.expressions, scope, node)
        having = node.args.get("having")
        if having is not None:
            self.boolean(having.this, self.typ(having.this, scope))
        for w in node.args.get("windows") or []:
            for p in w.args.get("partition_by") or []:
                self.typ(p, scope)
            if w.args.get("order") is not None:
                self.order(w.args["order"], scope)
        scope.outputs = dict(outputs)
        self._tail(node, scope)
        return outputs

    def _group_item(self, g: exp.Expression, scope: Scope, aliases: set[str]) -> None:
        g = _unparen(g)
        if isinstance(g, exp.Literal) and not g.is_string:
            return
        if isinstance(g, exp.Column) and not g.args.get("table") and ident(g.this) in aliases:
            with contextlib.suppress(Problem):  # else it names an output column
                self.typ(g, scope)
            return
        self.typ(g, scope)

    def _tail(self, node: exp.Expression, scope: Scope) -> None:
        """ORDER BY, LIMIT and OFFSET."""
        order = node.args.get("order")
        if order is not None:
            self.order(order, scope)
        for key in ("limit", "offset"):
            clause = node.args.get(key)
            if clause is not None:
                value = clause.args.get("expression") or clause.this
                if isinstance(value, exp.Expression):
                    self.typ_expecting(value, scope, V(T.BIGINT, False))

    def setop(self, node: exp.SetOperation, parent: Scope | None) -> Columns:
        scope = Scope(parent=parent)
        self.with_(node, scope)
        left = self.query(node.this, scope)
        right = self.query(node.expression, scope)
        if len(left) != len(right):
            raise Problem(
                node,
                "type-mismatch",
                f"each side of {node.key.upper()} returns the same number of columns "
                f"({len(left)} and {len(right)})",
            )
        out: Columns = []
        for (name, a), (_, b) in zip(left, right, strict=True):
            if isinstance(node, exp.Intersect):
                nullable = a.nullable and b.nullable
            elif isinstance(node, exp.Except):
                nullable = a.nullable
            else:
                nullable = a.nullable or b.nullable
            out.append((name, V(self._meet_types(node, a.type, b.type), nullable)))
        scope.outputs = dict(out)
        self._tail(node, scope)
        return out

    def values(self, node: exp.Values, scope: Scope) -> Columns:
        rows = [r.expressions if isinstance(r, exp.Tuple) else [r] for r in node.expressions]
        width = len(rows[0]) if rows else 0
        cols: Columns = []
        for i in range(width):
            column = [r[i] for r in rows if len(r) == width]
            if len(column) != len(rows):
                raise Problem(node, "type-mismatch", "VALUES rows differ in length")
            v = self.meet(column, scope, node)
            cols.append((f"column{i + 1}", V(v.type, v.nullable)))
        return cols

    # -- FROM ------------------------------------------------------------------------------------
    def source(self, src: exp.Expression, scope: Scope) -> Rel:
        alias = src.args.get("alias")
        alias_name = ident(alias.this) if alias is not None and alias.this else None
        renames = [ident(c) for c in alias.columns] if alias is not None else []
        if isinstance(src, exp.Table) and isinstance(src.this, exp.Identifier):
            name = ident(src.this)
            db = src.args.get("db")
            cte = scope.cte(name) if db is None else None
            if cte is not None:
                cols = _renamed(cte, renames, src)
                label = f"{name} ({alias_name})" if alias_name else name
                return Rel(alias_name or name, dict(cols), label)
            qname = self.qualify(db, name)
            cols = self.relation(qname, src)
            label = f"{qname} ({alias_name})" if alias_name else str(qname)
            return Rel(alias_name or name, dict(_renamed(cols, renames, src)), label)
        if isinstance(src, exp.Table):  # a function in FROM: generate_series(...)
            return self.table_function(src.this, alias_name, renames, scope)
        if isinstance(src, exp.Unnest):
            return self.table_function(src, alias_name, renames, scope)
        if isinstance(src, exp.Lateral):
            inner = _unparen(src.this)
            if isinstance(inner, exp.Subquery | exp.Select):
                cols = self.query(inner, scope)  # LATERAL: sees the relations before it
                a = alias_name or ident(inner.alias) or "lateral"
                return Rel(a, dict(_renamed(cols, renames, src)), f"subquery {a}")
            return self.table_function(inner, alias_name, renames, scope)
        if isinstance(src, exp.Subquery | exp.Values):
            if src.args.get("lateral"):
                cols = self.query(src, scope)
            else:
                # A derived table sees the statement's CTEs, not its siblings.
                cols = self.query(src, Scope(parent=scope.parent, ctes=scope.ctes))
            if alias_name is None:
                raise Problem(src, "missing-alias", "a subquery in FROM needs an alias")
            return Rel(alias_name, dict(_renamed(cols, renames, src)), f"subquery {alias_name}")
        raise Problem(src, "untyped-expression", "cannot type this FROM item")

    def qualify(self, db: exp.Expression | None, name: str) -> QName:
        """A table name as the search path finds it (the first schema holding a table or view
        of that name; the first schema when none does)."""
        if db is not None:
            return QName(ident(db), name)
        for schema in self.search_path:
            q = QName(schema, name)
            if self.catalog.table(q) is not None or _view_query(self.catalog, q) is not None:
                return q
        return QName(self.search_path[0] if self.search_path else "public", name)

    def relation(self, qname: QName, node: exp.Expression) -> Columns:
        table = self.catalog.table(qname)
        if table is not None:
            return [(c.name, V(c.type, c.nullable, (qname, c.name))) for c in table.columns]
        view = _view_query(self.catalog, qname)
        if view is not None:
            if qname in self._views or len(self._views) > _MAX_VIEW_DEPTH:
                raise Problem(node, "untyped-expression", f"view {qname} refers to itself")
            self._views.append(qname)
            try:
                body, aliases = view
                cols = self.query(body, None)
            except Problem as p:
                raise Problem(node, p.code, f"in view {qname}: {p.message}") from None
            finally:
                self._views.pop()
            return _renamed(cols, aliases, node)
        elsewhere = sorted(str(t.qname) for t in self.catalog.tables if t.qname.name == qname.name)
        if elsewhere and node.args.get("db") is None:
            raise Problem(
                node,
                "unknown-table",
                f"no table {qname.name} on the search path ({', '.join(self.search_path)}); "
                f"qualify it: {' or '.join(elsewhere)}",
            )
        known = [str(t.qname) for t in self.catalog.tables]
        raise Problem(node, "unknown-table", f"no table {qname}{_suggest(str(qname), known)}")

    def table_function(
        self, fn: exp.Expression, alias: str | None, renames: list[str], scope: Scope
    ) -> Rel:
        if isinstance(fn, exp.ExplodingGenerateSeries | exp.GenerateSeries):
            start, end = fn.args.get("start"), fn.args.get("end")
            if start is None or end is None:
                raise Problem(fn, "untyped-expression", "generate_series(start, stop[, step])")
            a, b = self.pair(start, end, scope)
            t = T.unify(T.resolved(a.type), T.resolved(b.type))
            if t is None or not (T.is_numeric(t) or T.is_datetime(t)):
                raise Problem(fn, "untyped-expression", "cannot type this generate_series")
            t = T.TIMESTAMPTZ if t.base == "date" else T.plain(t)
            step = fn.args.get("step")
            if step is not None:
                self.typ_expecting(step, scope, V(T.INTERVAL if T.is_datetime(t) else t, False))
            name = renames[0] if renames else alias or "generate_series"
            return Rel(alias or "generate_series", {name: V(t, False)}, "generate_series")
        if isinstance(fn, exp.Unnest):
            cols: Columns = []
            for i, arg in enumerate(fn.expressions):
                v = self.typ(arg, scope)
                if not v.type.array_dims:
                    raise Problem(
                        arg, "type-mismatch", f"unnest() takes an array, not {v.type.sql}"
                    )
                elem = v.type.element if v.type.array_dims == 1 else v.type
                name = (
                    renames[i]
                    if i < len(renames)
                    else (alias if len(fn.expressions) == 1 and alias else "unnest")
                )
                cols.append((name, V(elem, True)))
            return Rel(alias or "unnest", dict(cols), "unnest")
        raise Problem(fn, "untyped-expression", "cannot type this function in FROM")

    def add_from(self, src: exp.Expression, scope: Scope) -> None:
        """A FROM item into ``scope``: a relation, or a parenthesized join tree
        (``(a JOIN b ON ...)``), whose relations and joins are added in order."""
        if _join_group(src):
            self.add_from(src.this, scope)
            for j in src.args.get("joins") or []:
                self.join(j, scope)
            return
        scope.rels.append(self.source(src, scope))
        if isinstance(src, exp.Table):
            for j in src.args.get("joins") or []:
                self.join(j, scope)

    def join(self, j: exp.Join, scope: Scope) -> None:
        if _join_group(j.this) or (isinstance(j.this, exp.Table) and j.this.args.get("joins")):
            group = Scope(parent=scope.parent, ctes=scope.ctes)
            self.add_from(j.this, group)
            right = group.rels
        else:
            right = [self.source(j.this, scope)]
        side = (j.side or "").upper()
        names: list[str] = []
        if j.args.get("using"):
            names = [ident(u) for u in j.args["using"]]
        elif (j.method or "").upper() == "NATURAL":
            left_names = {c for r in scope.rels for c in r.columns}
            names = [c for r in right for c in r.columns if c in left_names]
        merged: dict[str, V] = {}
        for name in names:
            left = self._left(j, scope, name)
            found = [v for r in right if (v := r.get(name)) is not None]
            if not found:
                raise Problem(j, "unknown-column", f"no column {name!r} on the right (USING)")
            if side == "LEFT":
                merged[name] = left
            elif side == "RIGHT":
                merged[name] = found[0]
            else:
                merged[name] = V(left.type, left.nullable and found[0].nullable)
        if side in ("RIGHT", "FULL"):
            for r in scope.rels:
                r.nullable = True
            scope.merged = {k: v.null() for k, v in scope.merged.items()}
        if side in ("LEFT", "FULL"):
            for r in right:
                r.nullable = True
        scope.rels.extend(right)
        scope.merged.update(merged)
        on = j.args.get("on")
        if on is not None:
            self.boolean(on, self.typ(on, scope))

    def _left(self, j: exp.Join, scope: Scope, name: str) -> V:
        if name in scope.merged:
            return scope.merged[name]
        found = [v for r in scope.rels if (v := r.get(name)) is not None]
        if not found:
            raise Problem(j, "unknown-column", f"no column {name!r} on the left of the join")
        if len(found) > 1:
            raise Problem(j, "ambiguous-column", f"column {name!r} is ambiguous in USING")
        return found[0]

    # -- the select list ---------------------------------------------------------------------------
    def select_list(
        self, exprs: list[exp.Expression], scope: Scope, owner: exp.Expression
    ) -> Columns:
        """The columns of a select list (or RETURNING). An expression that is not a column
        and has no alias is named ``?column?``, as PostgreSQL names it: fine inside a CTE with
        column names or a scalar subquery, an error as a result column."""
        out: Columns = []
        nodes: list[tuple[str, exp.Expression]] = []
        for e in exprs:
            if isinstance(e, exp.Star):
                stars = self.star(e, scope, None)
            elif isinstance(e, exp.Column) and isinstance(e.this, exp.Star):
                stars = self.star(e, scope, ident(e.args.get("table")))
            else:
                name = _output_name(e) or UNNAMED
                v = self.typ(e, scope)
                out.append((name, v))
                nodes.append((name, e))
                continue
            out += stars
            nodes += [(n, e) for n, _ in stars]
        if owner is self.top:
            self.top_nodes = nodes
        return out

    def star(self, node: exp.Expression, scope: Scope, table: str | None) -> Columns:
        if table is not None:
            rel = scope.rel(table)
            if rel is None:
                raise Problem(node, "unknown-table", f"no table or alias {table!r} in scope")
            return [(n, rel.get(n) or v) for n, v in rel.columns.items()]
        if not scope.rels:
            raise Problem(node, "untyped-expression", "SELECT * without FROM")
        out: Columns = list(scope.merged.items())
        for rel in scope.rels:
            out += [(n, rel.get(n) or v) for n, v in rel.columns.items() if n not in scope.merged]
        return out

    # -- DML -------------------------------------------------------------------------------------
    def target(self, table: exp.Expression, scope: Scope) -> tuple[Rel, QName]:
        if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
            raise Problem(table, "unsupported-statement", "expected a table")
        qname = self.qualify(table.args.get("db"), ident(table.this))
        t = self.catalog.table(qname)
        if t is None:
            self.relation(qname, table)  # the unknown-table error, or a view's
            raise Problem(
                table, "unsupported-statement", f"{qname} is a view: it cannot be written"
            )
        alias = table.args.get("alias")
        name = ident(alias.this) if alias is not None and alias.this else qname.name
        cols = {c.name: V(c.type, c.nullable, (qname, c.name)) for c in t.columns}
        label = f"{qname} ({name})" if name != qname.name else str(qname)
        return Rel(name, cols, label), qname

    def assign(self, e: exp.Expression, column: V, scope: Scope) -> None:
        inner = _unparen(e)
        if isinstance(inner, exp.Placeholder):
            self.param(inner, column)
            return
        if isinstance(inner, exp.Var) and inner.name.upper() == "DEFAULT":
            return
        v = self.typ(e, scope)
        self.comparable(e, column.type, v.type)

    def insert(self, node: exp.Insert) -> Columns:
        scope = Scope()
        self.with_(node, scope)
        target = node.this
        table = target.this if isinstance(target, exp.Schema) else target
        rel, _ = self.target(table, scope)
        if isinstance(target, exp.Schema):
            names = [ident(i) for i in target.expressions]
        else:
            names = list(rel.columns)
        columns = []
        for i, n in enumerate(names):
            v = rel.columns.get(n)
            if v is None:
                where = target.expressions[i] if isinstance(target, exp.Schema) else table
                raise Problem(
                    where,
                    "unknown-column",
                    f"{rel.label} has no column {n!r}{_suggest(n, rel.columns)}",
                )
            columns.append(v)
        source = _unparen(node.expression)
        if isinstance(source, exp.Values):
            for row in source.expressions:
                items = row.expressions if isinstance(row, exp.Tuple) else [row]
                if len(items) != len(columns):
                    raise Problem(
                        row, "type-mismatch", f"{len(columns)} columns, {len(items)} values"
                    )
                for item, col in zip(items, columns, strict=True):
                    self.assign(item, col, scope)
        elif source is not None:
            if isinstance(source, exp.Select):
                # INSERT ... SELECT :x: the parameter is the target column's.
                for item, col in zip(source.expressions, columns, strict=False):
                    value = _unparen(item.unalias())
                    if isinstance(value, exp.Placeholder):
                        self.param(value, col)
            cols = self.query(source, scope)
            if len(cols) != len(columns):
                raise Problem(
                    source, "type-mismatch", f"{len(columns)} columns, {len(cols)} values"
                )
        conflict = node.args.get("conflict")
        if conflict is not None:
            for k in conflict.args.get("conflict_keys") or []:
                key = k.this if isinstance(k, exp.Ordered) else k
                if isinstance(key, exp.Column | exp.Identifier):
                    name = ident(key.this) if isinstance(key, exp.Column) else ident(key)
                    if name not in rel.columns:
                        raise Problem(key, "unknown-column", f"{rel.label} has no column {name!r}")
            conflict_scope = Scope(rels=[rel, Rel("excluded", dict(rel.columns), "excluded")])
            for a in conflict.expressions:
                self._set(a, rel, conflict_scope)
            where = conflict.args.get("where")
            if where is not None:
                self.typ(where.this if isinstance(where, exp.Where) else where, conflict_scope)
        return self._returning(node, Scope(rels=[rel], parent=scope))

    def _set(self, a: exp.Expression, rel: Rel, scope: Scope) -> None:
        if not isinstance(a, exp.EQ) or not isinstance(a.this, exp.Column):
            raise Problem(a, "unsupported-statement", "expected column = value")
        name = ident(a.this.this)
        column = rel.columns.get(name)
        if column is None:
            raise Problem(
                a.this,
                "unknown-column",
                f"{rel.label} has no column {name!r}{_suggest(name, rel.columns)}",
            )
        self.assign(a.expression, column, scope)

    def update(self, node: exp.Update) -> Columns:
        scope = Scope()
        self.with_(node, scope)
        rel, _ = self.target(node.this, scope)
        scope.rels.append(rel)
        frm = node.args.get("from_") or node.args.get("from")
        if frm is not None:
            self.add_from(frm.this, scope)
            for j in frm.args.get("joins") or node.args.get("joins") or []:
                self.join(j, scope)
        for a in node.expressions:
            self._set(a, rel, scope)
        where = node.args.get("where")
        if where is not None:
            self.boolean(where.this, self.typ(where.this, scope))
        return self._returning(node, scope)

    def delete(self, node: exp.Delete) -> Columns:
        scope = Scope()
        self.with_(node, scope)
        rel, _ = self.target(node.this, scope)
        scope.rels.append(rel)
        for u in node.args.get("using") or []:
            scope.rels.append(self.source(u, scope))
        where = node.args.get("where")
        if where is not None:
            self.boolean(where.this, self.typ(where.this, scope))
        return self._returning(node, scope)

    def _returning(self, node: exp.Expression, scope: Scope) -> Columns:
        returning = node.args.get("returning")
        if returning is None:
            return []
        return self.select_list(list(returning.expressions), scope, node)


_STRICT: tuple[type[exp.Expression], ...] = (
    exp.EQ,
    exp.NEQ,
    exp.LT,
    exp.LTE,
    exp.GT,
    exp.GTE,
    exp.Like,
    exp.ILike,
)


def _narrow(condition: exp.Expression, scope: Scope) -> None:
    """Mark the columns that every row passing ``condition`` has non-NULL: operands of a
    strict comparison (``=``, ``<``, ``LIKE``..., true only when both sides are not NULL),
    ``BETWEEN`` and ``IS NOT NULL``, in the conjuncts of the WHERE clause (not under OR or
    NOT)."""
    condition = _unparen(condition)
    if isinstance(condition, exp.And):
        _narrow(condition.this, scope)
        _narrow(condition.expression, scope)
        return
    operands: list[exp.Expression] = []
    if isinstance(condition, _STRICT):
        if isinstance(_unparen(condition.expression), exp.Any | exp.All):
            operands = [condition.this]
        else:
            operands = [condition.this, condition.expression]
    elif isinstance(condition, exp.Between) or (
        isinstance(condition, exp.Is)
        and condition.args.get("negate")
        and isinstance(_unparen(condition.expression), exp.Null)
    ):
        operands = [condition.this]
    elif isinstance(condition, exp.Not) and isinstance(_unparen(condition.this), exp.Is):
        inner = _unparen(condition.this)
        if isinstance(_unparen(inner.expression), exp.Null):
            operands = [inner.this]
    elif isinstance(condition, exp.In) and not condition.args.get("query"):
        operands = [condition.this]
    for operand in operands:
        column = _unparen(operand)
        if isinstance(column, exp.Column) and isinstance(column.this, exp.Identifier):
            table = ident(column.args.get("table")) if column.args.get("table") else None
            rel = scope.owner(ident(column.this), table)
            if rel is not None:
                rel.narrowed.add(ident(column.this))
                # A row the outer join made up has every column NULL: this one is real, so
                # the relation's NOT NULL columns are not NULL either.
                rel.nullable = False


def _join_group(src: exp.Expression) -> bool:
    """Whether a FROM item is a parenthesized join tree rather than a derived table."""
    return (
        isinstance(src, exp.Subquery)
        and src.args.get("alias") is None
        and not isinstance(_unparen(src.this), exp.Select | exp.SetOperation | exp.Values)
    )


def _group_items(group: exp.Group) -> list[exp.Expression]:
    items: list[exp.Expression] = []
    for g in group.expressions:
        if isinstance(g, exp.Rollup | exp.Cube | exp.GroupingSets):
            items += [x for x in g.walk() if isinstance(x, exp.Column)]
        else:
            items.append(g)
    for k in ("rollup", "cube", "grouping_sets"):
        for g in group.args.get(k) or []:
            items += [x for x in g.walk() if isinstance(x, exp.Column)]
    return items


def _output_name(e: exp.Expression) -> str | None:
    """PostgreSQL's name for a result column, where it is one a program can use: the alias, or
    the column it reads (through casts). Any other expression must be named."""
    if isinstance(e, exp.Alias):
        return ident(e.args["alias"])
    inner = _unparen(e)
    while isinstance(inner, exp.Cast):
        inner = _unparen(inner.this)
    if isinstance(inner, exp.Column) and isinstance(inner.this, exp.Identifier):
        return ident(inner.this)
    return None


def _renamed(cols: Columns, aliases: list[str], node: exp.Expression) -> Columns:
    """``cols`` under the names of a column list (``AS s(a, b)``), unknown types as text (what
    PostgreSQL makes of an untyped literal in a subquery)."""
    cols = [
        (n, V(T.resolved(v.type), v.nullable, v.origin)) if T.is_unknown(v.type) else (n, v)
        for n, v in cols
    ]
    if len(aliases) > len(cols):
        raise Problem(
            node,
            "type-mismatch",
            f"{len(aliases)} column names for {len(cols)} columns",
        )
    return [(aliases[i] if i < len(aliases) else n, v) for i, (n, v) in enumerate(cols)]


def _view_query(catalog: object, qname: QName) -> tuple[exp.Expression, list[str]] | None:
    """The query of a view (or materialized view) the schema creates, and its column names."""
    for raw in getattr(catalog, "raw", ()):
        if raw.kind not in ("view", "materialized view") or raw.name is None:
            continue
        if raw.name not in (str(qname), qname.sql, qname.name if qname.schema == "public" else ""):
            continue
        try:
            parsed = sqlglot.parse_one(raw.sql, read="postgres")
        except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
            return None
        if not isinstance(parsed, exp.Create) or parsed.expression is None:
            return None
        target = parsed.this
        aliases = (
            [ident(c) for c in target.expressions if isinstance(c, exp.Identifier)]
            if isinstance(target, exp.Schema)
            else []
        )
        return parsed.expression, aliases
    return None
