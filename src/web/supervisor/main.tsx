import { render } from 'preact'
import { client } from '../shared/http.js'
import { Board } from './Board.js'
import 'uplot/dist/uPlot.min.css'
import '../shared/base.css'
import './board.css'

render(<Board api={client(location.origin)} />, document.getElementById('app') as HTMLElement)
