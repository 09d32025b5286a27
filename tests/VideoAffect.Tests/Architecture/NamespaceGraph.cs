using System.Reflection;
using System.Reflection.Emit;

namespace VideoAffect.Tests.Architecture;

/// <summary>
/// Which of an assembly's areas (the namespace's segment after the root: Detection, Inference,
/// Pipeline...) use which, read from the compiled assembly: signatures, base types, attributes'
/// types and every type, method and field token in the method bodies (lambdas and async state
/// machines are nested types, so they count for the area that wrote them). Reading the IL rather
/// than the sources' using lines also sees fully qualified names and calls through `var`.
/// </summary>
sealed class NamespaceGraph
{
    readonly string _root;
    /// <summary>area -> area it uses -> one example "Type -> Type", for the failure message.</summary>
    readonly Dictionary<string, Dictionary<string, string>> _edges = new();

    NamespaceGraph(string root) => _root = root;

    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges => _edges;

    public static NamespaceGraph Of(Assembly assembly, string root)
    {
        var graph = new NamespaceGraph(root);
        foreach (var type in assembly.GetTypes())
            graph.Scan(type);
        return graph;
    }

    /// <summary>The area a type belongs to; null for the root namespace (shared value types such as FaceBox) and other assemblies.</summary>
    public string? AreaOf(Type? type)
    {
        while (type is { IsNested: true }) type = type.DeclaringType;
        if (type?.Namespace is not { } ns || !ns.StartsWith(_root + ".", StringComparison.Ordinal)) return null;
        var rest = ns[(_root.Length + 1)..];
        int dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>Every cycle between areas, each as its areas in order with the example that makes each step.</summary>
    public List<string> Cycles()
    {
        // Tarjan's strongly connected components; each component of more than one area is a cycle.
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var found = new List<string>();
        int next = 0;
        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v); onStack.Add(v);
            foreach (var w in Targets(v))
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) found.Add(Describe(component));
        }
        foreach (var area in _edges.Keys.ToList()) if (!index.ContainsKey(area)) Visit(area);
        return found;
    }

    IEnumerable<string> Targets(string area) => _edges.TryGetValue(area, out var to) ? to.Keys : [];

    string Describe(List<string> component)
    {
        var members = component.ToHashSet();
        var lines = component.OrderBy(a => a).SelectMany(from => _edges[from]
            .Where(e => members.Contains(e.Key))
            .Select(e => $"{from} -> {e.Key} ({e.Value})"));
        return string.Join("; ", lines);
    }

    void Scan(Type type)
    {
        var from = AreaOf(type);
        if (from is null) return;
        void Use(Type? used, string what)
        {
            foreach (var t in Flatten(used))
                if (AreaOf(t) is { } to && to != from)
                {
                    if (!_edges.TryGetValue(from, out var targets)) _edges[from] = targets = new();
                    targets.TryAdd(to, $"{Outer(type).FullName} {what} {Outer(t).FullName}");
                }
        }
        Use(type.BaseType, "derives from");
        foreach (var i in type.GetInterfaces()) Use(i, "implements");
        foreach (var a in type.CustomAttributes) Use(a.AttributeType, "has attribute");
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var field in type.GetFields(all)) Use(field.FieldType, "has a field of");
        foreach (var property in type.GetProperties(all)) Use(property.PropertyType, "has a property of");
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info) Use(info.ReturnType, "returns");
            foreach (var p in method.GetParameters()) Use(p.ParameterType, "takes");
            var body = method.GetMethodBody();
            if (body is null) continue;
            foreach (var local in body.LocalVariables) Use(local.LocalType, "has a local of");
            foreach (var used in TokensIn(method, body.GetILAsByteArray() ?? [])) Use(used, "uses");
        }
    }

    static Type Outer(Type t)
    {
        while (t.IsNested) t = t.DeclaringType!;
        return t;
    }

    /// <summary>A type with its element and generic argument types (List&lt;FaceBox[]&gt; uses FaceBox).</summary>
    static IEnumerable<Type> Flatten(Type? type)
    {
        if (type is null || type.IsGenericParameter) yield break;
        if (type.HasElementType) { foreach (var t in Flatten(type.GetElementType())) yield return t; yield break; }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            foreach (var arg in type.GetGenericArguments())
                foreach (var t in Flatten(arg)) yield return t;
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
    }

    static readonly OpCode[] OneByte = new OpCode[256], TwoByte = new OpCode[256];

    static NamespaceGraph()
    {
        foreach (var f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)f.GetValue(null)!;
            ushort value = unchecked((ushort)op.Value);
            if (op.Size == 1) OneByte[value] = op; else TwoByte[value & 0xFF] = op;
        }
    }

    /// <summary>The declaring types of the members, and the types, that a method body's tokens name.</summary>
    static IEnumerable<Type> TokensIn(MethodBase method, byte[] il)
    {
        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int i = 0;
        while (i < il.Length)
        {
            var op = il[i] == 0xFE ? TwoByte[il[i + 1]] : OneByte[il[i]];
            i += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField)
            {
                MemberInfo? member = null;
                try { member = module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                catch (ArgumentException) { }
                if (member is Type t) yield return t;
                else if (member?.DeclaringType is { } owner)
                {
                    yield return owner;
                    if (member is MethodInfo m)
                    {
                        yield return m.ReturnType;
                        foreach (var p in m.GetParameters()) yield return p.ParameterType;
                        if (m.IsGenericMethod) foreach (var a in m.GetGenericArguments()) yield return a;
                    }
                    else if (member is FieldInfo fi) yield return fi.FieldType;
                }
            }
            i += operand;
        }
    }
}
