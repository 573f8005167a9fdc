/**
 * The Python side of the sandbox: the module `_teamstream_sandbox`, run once in each sandbox
 * process before the memory snapshot that every interpreter of that process starts from.
 *
 * It (1) guards imports of Pyodide's bridge to JavaScript, (2) defines and calls a FunctionTool's
 * function the way AgentChat does (arguments checked and converted against the signature with
 * pydantic's lax rules for the simple types, `str()` of the return value, coroutines awaited),
 * and (3) runs a code block as a script (PythonCodeExecutionTool), reporting an exit code.
 *
 * The import guard is a guard rail, not the wall: CPython cannot be sandboxed from inside itself
 * (a determined script can reach loaded modules through `sys.modules` or object graphs). The
 * walls are the process's: an empty `js` module, Node's permission model, networking removed,
 * an empty environment, the time and memory limits (see child.ts and README, "Python tools").
 */
export const RUNNER_MODULE = '_teamstream_sandbox';

export const PYTHON_RUNNER = String.raw`
import ast, builtins, importlib, inspect, json, linecache, sys, traceback, types, typing, pathlib

BLOCKED = frozenset({"js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip"})
# Pyodide's own modules import its bridge lazily (the event loop does), and Pyodide imports
# from C with no Python caller: only an import made from the user's code is refused.
INTERNAL = frozenset({"pyodide", "_pyodide", "pyodide_js", "_teamstream_sandbox"})
_real_import = builtins.__import__
_real_import_module = importlib.import_module


def _refuse(name):
    raise ImportError(f"import of '{name}' is blocked: Python in the sandbox has no bridge to JavaScript", name=name)


# Code the server was given (a tool's source and imports, a code block) is compiled under these names.
USER_FILES = ("<tool ", "<code>", "<global_imports>")


def _from_user_code():
    try:
        frame = sys._getframe(2)
    except ValueError:
        return False  # imported from C, with no Python caller
    while frame is not None:
        if frame.f_code.co_filename.startswith(USER_FILES):
            return True
        frame = frame.f_back
    return False


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.partition(".")[0] in BLOCKED:
        importer = (globals or {}).get("__name__") or ""
        if importer.partition(".")[0] not in INTERNAL and _from_user_code():
            _refuse(name)
    return _real_import(name, globals, locals, fromlist, level)


def _guarded_import_module(name, package=None):
    if name.partition(".")[0] in BLOCKED and _from_user_code():
        _refuse(name)
    return _real_import_module(name, package)


builtins.__import__ = _guarded_import
importlib.import_module = _guarded_import_module
importlib.__import__ = _guarded_import


def _forget_bridge():
    # The JS modules stay importable for Pyodide's internals, but are not left lying in sys.modules.
    for name in [n for n in sys.modules if n == "js" or n == "pyodide_js" or n.startswith("pyodide_js.")]:
        del sys.modules[name]


class CancellationToken:
    """AgentChat's token, for functions that take cancellation_token: the server stops a call by ending the process."""

    def is_cancelled(self):
        return False

    def add_callback(self, callback):
        pass

    def link_future(self, future):
        return future

    def cancel(self):
        pass


class ArgumentError(Exception):
    pass


_TOOLS = {}


def _field_title(name):
    return " ".join(part.capitalize() for part in name.split("_") if part)


def _is_number_text(value):
    try:
        float(value)
        return True
    except ValueError:
        return False


_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def _convert(value, annotation, where):
    """pydantic's lax mode for the types tool signatures use; anything else is passed as it is."""
    if annotation is inspect.Parameter.empty or annotation is typing.Any or annotation is object:
        return value
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _convert(value, args[0], where)
    if origin is typing.Union or origin is types.UnionType:
        if value is None and type(None) in args:
            return None
        problems = []
        for option in args:
            if option is type(None):
                continue
            try:
                return _convert(value, option, where)
            except ArgumentError as error:
                problems.append(str(error))
        raise ArgumentError(problems[0] if len(problems) == 1 else f"{where}: Input matches none of the allowed types")
    if origin is typing.Literal:
        for option in args:
            if value == option and type(value) is type(option):
                return option
        raise ArgumentError(f"{where}: Input should be {' or '.join(repr(a) for a in args)}")
    if annotation is type(None):
        if value is None:
            return None
        raise ArgumentError(f"{where}: Input should be None")
    if annotation is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise ArgumentError(f"{where}: Input should be a valid boolean")
    if annotation is int:
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value)
        raise ArgumentError(f"{where}: Input should be a valid integer")
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and _is_number_text(value):
            return float(value)
        raise ArgumentError(f"{where}: Input should be a valid number")
    if annotation is str:
        if isinstance(value, str):
            return value
        raise ArgumentError(f"{where}: Input should be a valid string")
    if isinstance(annotation, type) and issubclass(annotation, pathlib.PurePath):
        if isinstance(value, str):
            return annotation(value)
        raise ArgumentError(f"{where}: Input is not a valid path")
    container = origin or annotation
    if container in (list, tuple, set, frozenset) or container in (typing.Sequence, __import__("collections.abc").abc.Sequence):
        if not isinstance(value, list):
            raise ArgumentError(f"{where}: Input should be a valid list")
        item = args[0] if args and container is not tuple else typing.Any
        items = [_convert(v, item, f"{where}.{i}") for i, v in enumerate(value)]
        return container(items) if container in (tuple, set, frozenset) else items
    if container in (dict, typing.Mapping, __import__("collections.abc").abc.Mapping):
        if not isinstance(value, dict):
            raise ArgumentError(f"{where}: Input should be a valid dictionary")
        item = args[1] if len(args) == 2 else typing.Any
        return {k: _convert(v, item, f"{where}.{k}") for k, v in value.items()}
    return value


def _bind(name, func, args):
    """AgentChat validates the arguments with a pydantic model of the signature: the same checks, by hand."""
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints = {}
    kwargs = {}
    problems = []
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name == "cancellation_token":
            kwargs[param.name] = CancellationToken()
            continue
        if param.name not in args:
            if param.default is param.empty:
                problems.append(f"{param.name}: Field required")
            continue
        try:
            kwargs[param.name] = _convert(args[param.name], hints.get(param.name, param.annotation), param.name)
        except ArgumentError as error:
            problems.append(str(error))
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''}"
        raise ArgumentError(f"{count} for {name}args\n" + "\n".join(problems))
    return kwargs


def _as_text(value):
    # AgentChat's return_value_as_string: a pydantic model as JSON, anything else str().
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        dumped = dump()
        return json.dumps(dumped) if isinstance(dumped, dict) else str(dumped)
    return str(value)


def _define(request):
    key = request["toolKey"]
    found = _TOOLS.get(key)
    if found is not None and found[0] == request["source"] and found[1] == request["imports"]:
        return found[2]
    name = request["function"]
    namespace = {"__name__": "__sandbox_tool__", "__builtins__": builtins}
    exec(compile(request["imports"], "<global_imports>", "exec"), namespace)
    filename = f"<tool {name}>"
    linecache.cache[filename] = (len(request["source"]), None, request["source"].splitlines(True), filename)
    exec(compile(request["source"], filename, "exec"), namespace)
    func = namespace.get(name)
    if not callable(func):
        raise ValueError(f"the source_code defines no function named {name}")
    _TOOLS[key] = (request["source"], request["imports"], func)
    return func


def _cap(text, limit):
    return text if len(text) <= limit else text[:limit] + f"\n...(output truncated to {limit} characters)"


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


async def _run_function(request):
    try:
        func = _define(request)
        kwargs = _bind(request["function"], func, request["args"])
        result = func(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return {"ok": True, "text": _cap(_as_text(result), request["maxOutputChars"])}
    except RecursionError:
        return {"ok": False, "text": "Error: maximum recursion depth exceeded"}
    except MemoryError:
        return {"ok": False, "text": "Error: the Python call ran out of memory (MemoryError)"}
    except BaseException as error:
        if isinstance(error, (KeyboardInterrupt, GeneratorExit)):
            raise
        return {"ok": False, "text": _cap(f"Error: {error}", request["maxOutputChars"])}
    finally:
        _flush()


async def _run_code(request):
    code = request["code"]
    filename = "<code>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    exit_code = 0
    try:
        compiled = compile(code, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(compiled, namespace)
        if inspect.isawaitable(result):
            await result
    except SystemExit as stop:
        exit_code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if stop.code is not None and not isinstance(stop.code, int):
            print(stop.code, file=sys.stderr)
    except BaseException as error:
        exit_code = 1
        # Drop this runner's own frame: the traceback starts in the user's code, as a script's does.
        tb = error.__traceback__.tb_next if error.__traceback__ is not None else None
        traceback.print_exception(type(error), error, tb, file=sys.stderr)
    finally:
        _flush()
    return {"exitCode": exit_code}


async def handle(message):
    """One call from the server: a JSON request in, a JSON reply out."""
    _forget_bridge()
    request = json.loads(message)
    if request["kind"] == "function":
        reply = await _run_function(request)
    else:
        reply = await _run_code(request)
    _forget_bridge()
    return json.dumps(reply)
`;
