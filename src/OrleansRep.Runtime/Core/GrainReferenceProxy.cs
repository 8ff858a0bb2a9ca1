using System.Reflection;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// A grain reference: a <see cref="DispatchProxy"/> implementing the grain interface that turns each call into a
/// <see cref="GrainCall"/> for an <see cref="IGrainCallInvoker"/>. It holds no activation, so it stays valid across
/// deactivations and works the same whichever invoker (local silo or transport) it was made with.
/// </summary>
// DispatchProxy derives a type from this class at run time, so it cannot be sealed.
#pragma warning disable CA1852
internal class GrainReferenceProxy : DispatchProxy
#pragma warning restore CA1852
{
    private GrainId _grainId;
    private GrainInterfaceDescriptor? _interface;
    private IGrainCallInvoker? _invoker;

    public GrainId GrainId => _grainId;

    /// <summary>References are equal when they name the same grain through the same interface, as in Orleans.</summary>
    public override bool Equals(object? obj) =>
        obj is GrainReferenceProxy other && other._grainId == _grainId && other._interface == _interface;

    public override int GetHashCode() => _grainId.GetHashCode();

    public override string ToString() => $"GrainReference({_interface?.InterfaceType.Name} {_grainId})";

    internal static object Create(GrainId grainId, GrainInterfaceDescriptor descriptor, IGrainCallInvoker invoker)
    {
        var proxy = (GrainReferenceProxy)DispatchProxy.Create(descriptor.InterfaceType, typeof(GrainReferenceProxy));
        proxy._grainId = grainId;
        proxy._interface = descriptor;
        proxy._invoker = invoker;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var method = _interface!.GetMethod(targetMethod);
        var call = new GrainCall(_grainId, _interface.InterfaceType, targetMethod, args ?? [], CallChain.Current);
        return method.ToDeclaredResult(_invoker!.InvokeAsync(call));
    }
}
