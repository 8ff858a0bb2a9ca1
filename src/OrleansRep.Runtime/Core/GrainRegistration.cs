using Microsoft.Extensions.DependencyInjection;

namespace OrleansRep.Runtime.Core;

/// <summary>A grain class as the silo knows it: its type name, how to construct it, and its interleaving.</summary>
internal sealed class GrainRegistration
{
    public GrainRegistration(Type grainClass)
    {
        GrainClass = grainClass;
        GrainType = grainClass.FullName ?? grainClass.Name;
        IsReentrant = grainClass.IsDefined(typeof(ReentrantAttribute), inherit: true);
        Factory = ActivatorUtilities.CreateFactory(grainClass, Type.EmptyTypes);
        Statistics = new GrainTypeStatistics(GrainType);
    }

    public Type GrainClass { get; }

    public string GrainType { get; }

    public bool IsReentrant { get; }

    /// <summary>Constructs the grain, resolving constructor parameters from the silo's services.</summary>
    public ObjectFactory Factory { get; }

    /// <summary>The type's activations and calls in this silo.</summary>
    public GrainTypeStatistics Statistics { get; }
}
