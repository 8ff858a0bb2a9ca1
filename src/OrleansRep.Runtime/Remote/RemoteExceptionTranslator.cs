using System.Collections.Frozen;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// How an exception crosses the wire. Only the type's full name and the message travel (never the stack, inner
/// exceptions or other state: they describe the remote process and could leak it). On the caller's side:
/// <list type="bullet">
/// <item>a type on the safe list below is re-created as that same type with the remote message, so
/// <c>catch (InvalidOperationException)</c> works the same locally and remotely;</item>
/// <item>any other type becomes a <see cref="RemoteGrainException"/> carrying the remote type name and message.</item>
/// </list>
/// The safe list holds framework and runtime types a caller can act on and that are constructible from a message:
/// argument, invalid-operation, not-supported, key-not-found, timeout, format, <see cref="InconsistentStateException"/>,
/// <see cref="GrainActivationException"/>, <see cref="GrainAccessDeniedException"/>, <see cref="GrainCallFormatException"/>
/// and <see cref="InvalidGrainInterfaceException"/>. An <see cref="OperationCanceledException"/> from the grain is
/// re-created too, so a cancelled call reads the same remotely.
/// </summary>
internal static class RemoteExceptionTranslator
{
    private static readonly FrozenDictionary<string, Func<string, Exception>> SafeTypes = new Dictionary<string, Func<string, Exception>>
    {
        [typeof(InvalidOperationException).FullName!] = m => new InvalidOperationException(m),
        [typeof(ArgumentException).FullName!] = m => new ArgumentException(m),
        [typeof(ArgumentNullException).FullName!] = m => new ArgumentNullException(null, m),
        [typeof(ArgumentOutOfRangeException).FullName!] = m => new ArgumentOutOfRangeException(null, m),
        [typeof(NotSupportedException).FullName!] = m => new NotSupportedException(m),
        [typeof(KeyNotFoundException).FullName!] = m => new KeyNotFoundException(m),
        [typeof(TimeoutException).FullName!] = m => new TimeoutException(m),
        [typeof(FormatException).FullName!] = m => new FormatException(m),
        [typeof(OperationCanceledException).FullName!] = m => new OperationCanceledException(m),
        [typeof(TaskCanceledException).FullName!] = m => new TaskCanceledException(m),
        [typeof(InconsistentStateException).FullName!] = m => new InconsistentStateException(m),
        [typeof(GrainActivationException).FullName!] = m => new GrainActivationException(m),
        [typeof(InvalidGrainInterfaceException).FullName!] = m => new InvalidGrainInterfaceException(m),
        [typeof(GrainAccessDeniedException).FullName!] = m => new GrainAccessDeniedException(m),
        [typeof(GrainCallFormatException).FullName!] = m => new GrainCallFormatException(m),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The name sent for <paramref name="exception"/>; a <see cref="RemoteGrainException"/> relayed from
    /// a further silo keeps the original grain's type name.</summary>
    public static string WireTypeName(Exception exception) =>
        exception is RemoteGrainException relayed ? relayed.RemoteTypeName : exception.GetType().FullName ?? exception.GetType().Name;

    public static Exception Recreate(string typeName, string message) =>
        SafeTypes.TryGetValue(typeName, out var create) ? create(message) : new RemoteGrainException(typeName, message);

    /// <summary>An error frame from the transport (the gateway handler itself threw, e.g. on a malformed call).</summary>
    public static Exception Recreate(RemoteCallException error) => Recreate(error.RemoteTypeName, error.Message);
}
