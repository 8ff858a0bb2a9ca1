namespace OrleansRep.Runtime.Core;

/// <summary>Maps a grain interface to the grain type name that goes into a <see cref="GrainId"/>.</summary>
public interface IGrainTypeResolver
{
    /// <exception cref="ArgumentException">No grain class is registered for the interface.</exception>
    string GetGrainType(Type grainInterface);
}
