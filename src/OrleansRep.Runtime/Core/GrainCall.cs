using System.Reflection;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// One grain call as a message: the target grain, the interface and method called, the arguments, and the call
/// chain of the caller (so a callee can recognise a call that comes back to a grain already in the chain).
/// In process the arguments are passed by reference (Orleans deep-copies them; the remote path serializes them).
/// </summary>
public sealed class GrainCall
{
    public GrainCall(GrainId target, Type interfaceType, MethodInfo method, IReadOnlyList<object?> arguments, CallChain callChain)
    {
        ArgumentNullException.ThrowIfNull(interfaceType);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(callChain);
        Target = target;
        InterfaceType = interfaceType;
        Method = method;
        Arguments = arguments;
        CallChain = callChain;
    }

    public GrainId Target { get; }

    public Type InterfaceType { get; }

    public MethodInfo Method { get; }

    public IReadOnlyList<object?> Arguments { get; }

    public CallChain CallChain { get; }

    /// <summary>Set by the remote gateway on the calls it decodes: it awaits the result only to encode it and queue
    /// the reply, so the grain's turn may complete it inline (see <see cref="CallTurn"/>).</summary>
    internal bool RepliesInline { get; init; }

    public override string ToString() => $"{Target}.{Method.Name}";
}
