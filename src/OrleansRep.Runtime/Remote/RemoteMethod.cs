using System.Buffers;
using System.Reflection;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// What the remote path needs to know about one grain interface method, computed once: its wire id, the declared
/// parameter and result types, where its <see cref="CancellationToken"/> parameter is (if any; it is not sent, the
/// transport's cancel frame stands in for it), the roles a remote caller needs, and its response timeout.
/// </summary>
internal sealed class RemoteMethod
{
    public RemoteMethod(MethodInfo method, ClientRoles interfaceRoles)
    {
        Method = method;
        var parameters = method.GetParameters();
        Type[] parameterTypes = [.. parameters.Select(p => p.ParameterType)];
        ParameterTypes = parameterTypes;
        CancellationTokenIndex = Array.IndexOf(parameterTypes, typeof(CancellationToken));
        var returnType = method.ReturnType;
        ResultType = returnType.IsGenericType ? returnType.GetGenericArguments()[0] : null;
        Signature = $"{method.Name}({string.Join(",", ParameterTypes.Select(t => t.FullName))})";
        Id = Fnv1a(Signature);
        RequiredRoles = ClientRoles.Read | (method.GetCustomAttribute<RequiresRoleAttribute>()?.Roles ?? interfaceRoles);
        Timeout = ReadTimeout(method);
        DecodeResult = payload => GrainCallCodec.DecodeResult(payload, ResultType);
    }

    public MethodInfo Method { get; }

    /// <summary>A hash of the signature: stable across processes and builds as long as the signature is.</summary>
    public uint Id { get; }

    /// <summary>Name and parameter types, e.g. <c>Add(System.Int32)</c>.</summary>
    public string Signature { get; }

    public IReadOnlyList<Type> ParameterTypes { get; }

    /// <summary>The index of the <see cref="CancellationToken"/> parameter, or -1.</summary>
    public int CancellationTokenIndex { get; }

    /// <summary>T of Task&lt;T&gt; / ValueTask&lt;T&gt;; null for Task and ValueTask.</summary>
    public Type? ResultType { get; }

    public ClientRoles RequiredRoles { get; }

    public TimeSpan? Timeout { get; }

    /// <summary>Decodes a response to this method (made once per method; it runs on the connection's read loop).</summary>
    public Func<ReadOnlySequence<byte>, object?> DecodeResult { get; }

    private static TimeSpan? ReadTimeout(MethodInfo method)
    {
        try
        {
            return method.GetCustomAttribute<ResponseTimeoutAttribute>()?.Timeout;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            // The attribute's constructor runs here, on first use: report it as the interface's fault.
            throw new Core.InvalidGrainInterfaceException($"{method.DeclaringType?.FullName}.{method.Name}: bad [ResponseTimeout]: {e.Message}", e);
        }
    }

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}
