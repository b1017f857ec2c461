package flow

import "github.com/cloudflow-oss/cloudflow/shared/eval"

// mapState reads the fields of a Map state (reference 3.10).
func (p *parser) mapState(path string, m *mapping, st *State, sc scopeCtx) {
	if ip := m.lookup("ItemsPath"); ip == nil {
		p.add(path+".ItemsPath", m.node, "Map state %q needs ItemsPath", st.Name)
	} else {
		st.ItemsPath = p.expr(path+".ItemsPath", ip, eval.Options{Vars: varsSimple})
	}
	if pc := m.lookup("ProcessorConfig"); pc != nil {
		if pm, ok := p.asMapping(path+".ProcessorConfig", pc); ok {
			if em := pm.get("ExecutionMode"); em != nil {
				if s, ok := p.str(path+".ProcessorConfig.ExecutionMode", em); ok {
					if Mode(s) == Express {
						st.Distributed = true
					} else {
						p.add(path+".ProcessorConfig.ExecutionMode", em, "ProcessorConfig.ExecutionMode must be Express (distributed mode)")
					}
				}
			}
			p.unknown(path+".ProcessorConfig", "ProcessorConfig", pm)
		}
	}
	maxConc := MaxInlineMapConcurrency
	if st.Distributed {
		maxConc = MaxDistributedMapConcurrency
	}
	st.MaxConcurrency = maxConc
	mc, mc2 := m.lookup("MaxConcurrency"), m.lookup("MaxConcuccency")
	if mc != nil && mc2 != nil {
		p.add(path+".MaxConcuccency", mc2, "use either MaxConcurrency or MaxConcuccency, not both")
		mc = nil
	} else if mc == nil {
		mc = mc2
	}
	if mc != nil {
		if v, ok := p.integer(path+".MaxConcurrency", mc); ok {
			switch {
			case v < 0 || v > int64(maxConc):
				p.add(path+".MaxConcurrency", mc, "MaxConcurrency must be between 0 and %d in %s mode", maxConc, mapMode(st.Distributed))
			case v > 0:
				st.MaxConcurrency = int(v)
			}
		}
	}
	if mi := m.lookup("MaxItems"); mi != nil {
		if !st.Distributed {
			p.add(path+".MaxItems", mi, "MaxItems is allowed only in distributed mode (ProcessorConfig.ExecutionMode: Express)")
		} else if v, ok := p.integer(path+".MaxItems", mi); ok {
			if v < 1 || v > DefaultDistributedMaxItems {
				p.add(path+".MaxItems", mi, "MaxItems must be between 1 and %d", DefaultDistributedMaxItems)
			} else {
				st.MaxItems = int(v)
			}
		}
	} else if st.Distributed {
		st.MaxItems = DefaultDistributedMaxItems
	}
	st.ItemConstructor = p.template(path+".ItemConstructor", m.lookup("ItemConstructor"), varsItem)
	if pn := m.lookup("Processor"); pn == nil {
		p.add(path+".Processor", m.node, "Map state %q needs a Processor", st.Name)
	} else {
		sub := sc
		sub.inProcessor = true
		if st.Distributed {
			sub.mode = Express
		}
		st.Processor = p.subScope(path+".Processor", pn, sub)
	}
}

func mapMode(distributed bool) string {
	if distributed {
		return "distributed"
	}
	return "inline"
}
