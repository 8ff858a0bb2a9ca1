namespace OrleansRep.Runtime.Core;

/// <summary>Makes grain references. A reference is cheap and never activates anything by itself: the first call does.</summary>
public interface IGrainFactory
{
    /// <summary>A reference to the grain of interface <typeparamref name="TGrainInterface"/> with this key.</summary>
    /// <exception cref="InvalidGrainInterfaceException">The interface has a method the runtime cannot call.</exception>
    /// <exception cref="ArgumentException">No grain class is registered for the interface.</exception>
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;
}
