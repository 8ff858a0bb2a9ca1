using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// The grain interfaces a silo serves and the grain type behind each (Orleans' cluster manifest), fetched by a
/// <see cref="GrainClient"/> when it connects: a client has no grain classes, so this is how it names grains.
/// Interfaces are matched by full name.
/// </summary>
internal sealed class GrainManifest : IGrainTypeResolver
{
    private readonly Dictionary<string, string> _grainTypes;

    public GrainManifest(Dictionary<string, string> grainTypes) => _grainTypes = grainTypes;

    public string GetGrainType(Type grainInterface)
    {
        ArgumentNullException.ThrowIfNull(grainInterface);
        return _grainTypes.TryGetValue(grainInterface.FullName ?? grainInterface.Name, out var grainType)
            ? grainType
            : throw new ArgumentException($"The silo serves no grain through interface {grainInterface.FullName}.", nameof(grainInterface));
    }
}
