namespace OrleansRep.Runtime.Core;

/// <summary>Makes grain references that deliver their calls through an <see cref="IGrainCallInvoker"/>.</summary>
public sealed class GrainFactory : IGrainFactory
{
    private readonly IGrainCallInvoker _invoker;
    private readonly IGrainTypeResolver _resolver;

    public GrainFactory(IGrainCallInvoker invoker, IGrainTypeResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(resolver);
        _invoker = invoker;
        _resolver = resolver;
    }

    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        var descriptor = GrainInterfaceDescriptor.Get(typeof(TGrainInterface));
        var grainId = new GrainId(_resolver.GetGrainType(typeof(TGrainInterface)), key);
        return (TGrainInterface)GrainReferenceProxy.Create(grainId, descriptor, _invoker);
    }
}
